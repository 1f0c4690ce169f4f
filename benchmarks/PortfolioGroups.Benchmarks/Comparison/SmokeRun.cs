using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// <c>--smoke</c>: runs every benchmark method of the given classes once per parameter set, in this
/// process, with each class's setup and cleanup, so a broken benchmark shows up in seconds rather
/// than after BenchmarkDotNet's pilot runs. Times nothing. Skips the methods <see cref="OnlyOnAttribute"/>
/// keeps off a parameter set's database.
/// </summary>
public static class SmokeRun
{
    public static async Task<int> RunAsync(IReadOnlyCollection<string> classNames)
    {
        var failures = 0;
        foreach (var type in BenchmarkTypes(classNames))
        {
            foreach (var parameters in ParameterSets(type))
            {
                var db = parameters.FirstOrDefault(p => p.Property.Name == nameof(DatabaseBenchmark.Db)).Value as string;
                foreach (var method in type.GetMethods().Where(m => m.IsDefined(typeof(BenchmarkAttribute)) && OnlyOnAttribute.Runs(m, db)))
                {
                    var instance = Activator.CreateInstance(type)!;
                    foreach (var (property, value) in parameters)
                    {
                        property.SetValue(instance, value);
                    }

                    var label = $"{type.Name}.{method.Name}({string.Join(", ", parameters.Select(p => $"{p.Property.Name}={p.Value}"))})";
                    var started = System.Diagnostics.Stopwatch.StartNew();
                    try
                    {
                        await InvokeAll<GlobalSetupAttribute>(instance, method.Name);
                        await InvokeAll<IterationSetupAttribute>(instance, method.Name);
                        await Invoke(instance, method);
                        await InvokeAll<GlobalCleanupAttribute>(instance, method.Name);
                        Console.WriteLine($"ok   {label} ({started.Elapsed.TotalSeconds:F1} s with setup)");
                    }
                    catch (Exception ex)
                    {
                        failures++;
                        Console.WriteLine($"FAIL {label}: {(ex is TargetInvocationException { InnerException: { } inner } ? inner : ex)}");
                    }
                }
            }
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>The benchmark classes named (all of them when none is), by name.</summary>
    internal static IEnumerable<Type> BenchmarkTypes(IReadOnlyCollection<string> classNames) =>
        typeof(SmokeRun).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkAttribute))))
            .Where(t => classNames.Count == 0 || classNames.Contains(t.Name))
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Every combination of a class's <c>[Params]</c> and <c>[ParamsSource]</c> values.</summary>
    internal static List<List<(PropertyInfo Property, object? Value)>> ParameterSets(Type type)
    {
        var sets = new List<List<(PropertyInfo, object?)>> { new() };
        foreach (var property in type.GetProperties())
        {
            IEnumerable<object?>? values = property.GetCustomAttribute<ParamsAttribute>()?.Values;
            if (property.GetCustomAttribute<ParamsSourceAttribute>() is { } source)
            {
                values = ((System.Collections.IEnumerable)type.GetProperty(source.Name, BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy)!.GetValue(null)!).Cast<object?>();
            }

            if (values is null)
            {
                continue;
            }

            sets = sets.SelectMany(set => values.Select(v => new List<(PropertyInfo, object?)>(set) { (property, v) })).ToList();
        }

        return sets;
    }

    /// <summary>Runs the instance's methods marked <typeparamref name="TAttribute"/> that apply to <paramref name="benchmark"/>.</summary>
    internal static async Task InvokeAll<TAttribute>(object instance, string benchmark)
        where TAttribute : Attribute
    {
        foreach (var method in instance.GetType().GetMethods().Where(m => m.GetCustomAttribute<TAttribute>(inherit: true) is { } a && Targets(a, benchmark)))
        {
            await Invoke(instance, method);
        }
    }

    /// <summary>Whether a setup or cleanup attribute applies to <paramref name="benchmark"/> (no targets: every method).</summary>
    internal static bool Targets(Attribute attribute, string benchmark)
    {
        var targets = attribute switch
        {
            GlobalSetupAttribute a => a.Targets,
            IterationSetupAttribute a => a.Targets,
            GlobalCleanupAttribute a => a.Targets,
            IterationCleanupAttribute a => a.Targets,
            _ => [],
        };
        return targets is null || targets.Length == 0 || targets.Contains(benchmark);
    }

    /// <summary>Calls a parameterless method, awaiting it when it returns a task.</summary>
    internal static async Task Invoke(object instance, MethodInfo method)
    {
        if (method.Invoke(instance, null) is Task task)
        {
            await task;
        }
    }
}
