using System.Reflection;

namespace PortfolioGroups.Tests.Architecture;

/// <summary>The public types are sealed (or static) and immutable once built.</summary>
public sealed class PublicSurfaceTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Type[] PublicTypes = typeof(PortfolioStore).Assembly.GetExportedTypes()
        .Where(t => t.Namespace is "PortfolioGroups" or "PortfolioGroups.Schema")
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToArray();

    [Test]
    public void Every_public_class_is_sealed_or_static_except_the_base_exception()
    {
        var open = PublicTypes
            .Where(t => t.IsClass && !t.IsSealed && t != typeof(PortfolioGroupsException)) // a static class is abstract and sealed
            .Select(t => t.FullName)
            .ToList();

        open.Should().BeEmpty("public types are sealed unless designed for extension, and only the base exception is");
    }

    [Test]
    public void No_public_type_can_be_changed_after_it_is_built()
    {
        var writable = PublicTypes.SelectMany(WritableMembers).ToList();

        writable.Should().BeEmpty("properties are get-only or init-only, and fields are constants or read-only");
    }

    [Test]
    public void The_immutability_check_covers_the_rows_the_filters_and_the_changes()
    {
        var names = PublicTypes.Select(t => t.Name).ToList();
        var filters = names.Where(n => n.EndsWith("Filter", StringComparison.Ordinal) || n.EndsWith("Scope", StringComparison.Ordinal)).ToList();
        var changes = names.Where(n => n.EndsWith("Changes", StringComparison.Ordinal) || n == "Change`1").ToList();

        names.Should().Contain(["Portfolio", "PortfolioGroup", "PortfolioGroupMembership"]);
        filters.Should().Contain(["PortfolioFilter", "PortfolioGroupFilter", "PortfolioGroupMembershipFilter", "PortfolioGroupMembershipScope"]);
        changes.Should().Contain(["PortfolioChanges", "PortfolioGroupChanges", "PortfolioGroupMembershipChanges", "Change`1"]);
        foreach (var type in PublicTypes.Where(t => IsRowFilterOrChange(t.Name)))
        {
            type.GetProperties(Declared).Should().NotBeEmpty("{0} has state for the check to look at", type.Name);
        }
    }

    [Test]
    public void The_immutability_check_finds_a_public_setter_and_a_public_field()
    {
        WritableMembers(typeof(Mutable)).Should().BeEquivalentTo(
            $"{typeof(Mutable).FullName}.Settable {{ set; }}",
            $"{typeof(Mutable).FullName}.ProtectedSettable {{ set; }}",
            $"{typeof(Mutable).FullName}.Field",
            $"{typeof(Mutable).FullName}.StaticField");
    }

    private static bool IsRowFilterOrChange(string name) =>
        name is "Portfolio" or "PortfolioGroup" or "PortfolioGroupMembership" or "Change`1"
        || name.EndsWith("Filter", StringComparison.Ordinal)
        || name.EndsWith("Scope", StringComparison.Ordinal)
        || name.EndsWith("Changes", StringComparison.Ordinal);

    /// <summary>Public or protected setters that are not init-only, and public or protected fields that are neither const nor read-only.</summary>
    private static IEnumerable<string> WritableMembers(Type type)
    {
        foreach (var property in type.GetProperties(Declared))
        {
            var setter = property.SetMethod;
            if (setter is not null && (setter.IsPublic || setter.IsFamily || setter.IsFamilyOrAssembly) && !IsInitOnly(setter))
            {
                yield return $"{type.FullName}.{property.Name} {{ set; }}";
            }
        }

        foreach (var field in type.GetFields(Declared))
        {
            // An enum's value__ is public and writable in metadata, and no caller can reach it.
            if ((field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly) && !field.IsLiteral && !field.IsInitOnly && !field.IsSpecialName)
            {
                yield return $"{type.FullName}.{field.Name}";
            }
        }
    }

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");

#pragma warning disable CA1051, CA2211 // the check's own counter-example: mutable on purpose
    private abstract class Mutable
    {
        public const int Constant = 1;
        public static int StaticField = 1;
        public readonly int ReadOnlyField = 1;
        public int Field = 1;

        public int Settable { get; set; }

        public int InitOnly { get; init; }

        public int GetOnly { get; } = 1;

        protected int ProtectedSettable { get; set; }

        private int PrivateSettable { get; set; }
    }
#pragma warning restore CA1051, CA2211
}
