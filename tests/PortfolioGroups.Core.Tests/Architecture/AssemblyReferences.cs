using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PortfolioGroups.Tests.Architecture;

/// <summary>
/// Every type that each type of the built library references, read from its IL with Mono.Cecil.
/// </summary>
/// <remarks>
/// A reference made by a nested type (an async state machine, a lambda closure, a private helper)
/// is attributed to its outermost declaring type, because that is the type a reader of the source
/// sees. What counts as a reference: base type, interfaces, generic constraints, custom attributes
/// (and the types they name with <c>typeof</c>), field, property and event types, method return
/// and parameter types, explicit overrides, local variable and catch types, and every type, method
/// and field operand in method bodies; each one taken apart to its element and generic argument types.
/// </remarks>
internal sealed class AssemblyReferences
{
    private static readonly Lazy<AssemblyReferences> Library =
        new(() => Read(typeof(PortfolioStore).Assembly.Location));

    private AssemblyReferences(IReadOnlyList<Dependency> dependencies, IReadOnlySet<string> types, IReadOnlySet<string> asyncStateMachines)
    {
        Dependencies = dependencies;
        Types = types;
        AsyncStateMachines = asyncStateMachines;
    }

    /// <summary>The references of PortfolioGroups.Core, read once for all tests.</summary>
    public static AssemblyReferences Core => Library.Value;

    /// <summary>Distinct references, one per referencing type, referenced type and (for a call) method name.</summary>
    public IReadOnlyList<Dependency> Dependencies { get; }

    /// <summary>The outermost types defined in the assembly, by full name.</summary>
    public IReadOnlySet<string> Types { get; }

    /// <summary>The compiler-generated async state machines (nested types), by full name.</summary>
    public IReadOnlySet<string> AsyncStateMachines { get; }

    private static AssemblyReferences Read(string path)
    {
        using var resolver = new DefaultAssemblyResolver();
        // Reading an enum-typed attribute argument resolves the enum; the test output folder holds every dependency.
        resolver.AddSearchDirectory(Path.GetDirectoryName(path)!);
        resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { AssemblyResolver = resolver, InMemory = true });

        var dependencies = new HashSet<Dependency>();
        var stateMachines = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes())
        {
            var collector = new Collector(NameOf(Outermost(type)), type.FullName, dependencies);
            collector.AddDefinition(type);
            if (type.Interfaces.Any(i => i.InterfaceType.FullName == "System.Runtime.CompilerServices.IAsyncStateMachine"))
            {
                stateMachines.Add(type.FullName);
            }
        }

        var types = module.Types.Select(t => t.FullName).ToHashSet(StringComparer.Ordinal);
        var ordered = dependencies.OrderBy(d => d.From.FullName, StringComparer.Ordinal).ThenBy(d => d.To.FullName, StringComparer.Ordinal).ToList();
        return new AssemblyReferences(ordered, types, stateMachines);
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static TypeName NameOf(TypeReference type) => new(Outermost(type).Namespace, type.FullName, type.Name);

    /// <summary>Walks one type definition and records what it references.</summary>
    private sealed class Collector(TypeName from, string via, HashSet<Dependency> into)
    {
        public void AddDefinition(TypeDefinition type)
        {
            AddType(type.BaseType);
            foreach (var implementation in type.Interfaces)
            {
                AddType(implementation.InterfaceType);
                AddAttributes(implementation);
            }

            AddAttributes(type);
            AddGenericParameters(type);

            foreach (var field in type.Fields)
            {
                AddType(field.FieldType);
                AddAttributes(field);
            }

            foreach (var property in type.Properties)
            {
                AddType(property.PropertyType);
                AddAttributes(property);
            }

            foreach (var @event in type.Events)
            {
                AddType(@event.EventType);
                AddAttributes(@event);
            }

            foreach (var method in type.Methods)
            {
                AddMethodDefinition(method);
            }
        }

        private void AddMethodDefinition(MethodDefinition method)
        {
            AddAttributes(method);
            AddGenericParameters(method);
            AddType(method.ReturnType);
            AddAttributes(method.MethodReturnType);
            foreach (var parameter in method.Parameters)
            {
                AddType(parameter.ParameterType);
                AddAttributes(parameter);
            }

            foreach (var overridden in method.Overrides)
            {
                AddMethod(overridden);
            }

            if (!method.HasBody)
            {
                return;
            }

            foreach (var variable in method.Body.Variables)
            {
                AddType(variable.VariableType);
            }

            foreach (var handler in method.Body.ExceptionHandlers)
            {
                AddType(handler.CatchType);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                AddOperand(instruction.Operand);
            }
        }

        private void AddOperand(object? operand)
        {
            switch (operand)
            {
                case TypeReference type:
                    AddType(type);
                    break;
                case MethodReference method:
                    AddMethod(method);
                    break;
                case FieldReference field:
                    AddType(field.DeclaringType);
                    AddType(field.FieldType);
                    break;
                case CallSite callSite:
                    AddSignature(callSite);
                    break;
            }
        }

        private void AddMethod(MethodReference method)
        {
            if (method is GenericInstanceMethod instance)
            {
                foreach (var argument in instance.GenericArguments)
                {
                    AddType(argument);
                }

                method = instance.ElementMethod;
            }

            AddType(method.DeclaringType, method.Name);
            AddSignature(method);
        }

        private void AddSignature(IMethodSignature signature)
        {
            AddType(signature.ReturnType);
            foreach (var parameter in signature.Parameters)
            {
                AddType(parameter.ParameterType);
            }
        }

        private void AddType(TypeReference? type, string? member = null)
        {
            switch (type)
            {
                case null:
                case GenericParameter:
                    // A type parameter is no dependency; its constraints are read where it is declared.
                    return;
                case GenericInstanceType instance:
                    foreach (var argument in instance.GenericArguments)
                    {
                        AddType(argument);
                    }

                    AddType(instance.ElementType, member);
                    return;
                case IModifierType modified:
                    AddType(modified.ModifierType);
                    AddType(modified.ElementType, member);
                    return;
                case FunctionPointerType pointer:
                    AddSignature(pointer);
                    return;
                case TypeSpecification specification:
                    // Arrays, by-ref, pointers, pinned and sentinel types.
                    AddType(specification.ElementType, member);
                    return;
            }

            into.Add(new Dependency(from, via, NameOf(type), member));
        }

        private void AddGenericParameters(IGenericParameterProvider provider)
        {
            foreach (var parameter in provider.GenericParameters)
            {
                AddAttributes(parameter);
                foreach (var constraint in parameter.Constraints)
                {
                    AddType(constraint.ConstraintType);
                    AddAttributes(constraint);
                }
            }
        }

        private void AddAttributes(ICustomAttributeProvider provider)
        {
            if (!provider.HasCustomAttributes)
            {
                return;
            }

            foreach (var attribute in provider.CustomAttributes)
            {
                AddMethod(attribute.Constructor);
                foreach (var argument in attribute.ConstructorArguments)
                {
                    AddAttributeArgument(argument);
                }

                foreach (var named in attribute.Fields.Concat(attribute.Properties))
                {
                    AddAttributeArgument(named.Argument);
                }
            }
        }

        private void AddAttributeArgument(CustomAttributeArgument argument)
        {
            AddType(argument.Type);
            switch (argument.Value)
            {
                case TypeReference type:
                    AddType(type);
                    break;
                case CustomAttributeArgument boxed:
                    AddAttributeArgument(boxed);
                    break;
                case CustomAttributeArgument[] elements:
                    foreach (var element in elements)
                    {
                        AddAttributeArgument(element);
                    }

                    break;
            }
        }
    }
}

/// <summary>A type named by a reference: its outermost namespace, Cecil full name (nested as <c>Outer/Inner</c>) and simple name.</summary>
internal sealed record TypeName(string Namespace, string FullName, string Name)
{
    /// <summary>Whether the type is in <paramref name="ns"/> or one of the namespaces below it.</summary>
    public bool IsIn(string ns) =>
        Namespace == ns || Namespace.StartsWith(ns + ".", StringComparison.Ordinal);

    /// <summary>Whether the type is <paramref name="fullName"/> or nested in it.</summary>
    public bool IsOrIsNestedIn(string fullName) =>
        FullName == fullName || FullName.StartsWith(fullName + "/", StringComparison.Ordinal);
}

/// <summary>
/// Type <see cref="From"/> (an outermost type of the assembly) references <see cref="To"/>, from its own code or from
/// the nested type <see cref="Via"/>; <see cref="Member"/> names the method when the reference is a call
/// to (or an override of) a method declared on <see cref="To"/>.
/// </summary>
internal sealed record Dependency(TypeName From, string Via, TypeName To, string? Member)
{
    public override string ToString() => Member is null ? $"{From.FullName} -> {To.FullName}" : $"{From.FullName} -> {To.FullName}::{Member}";
}
