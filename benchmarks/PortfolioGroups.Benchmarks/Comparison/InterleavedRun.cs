using System.Reflection;
using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// <c>--interleave [rounds] Class [Class ...]</c>: runs the benchmark methods of the named classes in
/// this process by turns, so every side of a comparison sees the same machine. Per class and parameter
/// set: one instance, its global setup once, then <c>rounds</c> rounds (after one untimed warm-up
/// round), each calling every method once in an order that rotates by round, with the class's
/// iteration setup and cleanup around each call, untimed, and the garbage collected before each
/// call, untimed (<see cref="Stats.Settle"/>). Prints the median of each method and its
/// ratio to the fastest method of the same class and parameters.
/// </summary>
/// <remarks>
/// Where BenchmarkDotNet gives each method a process of its own, pilot runs and many iterations,
/// this gives one number per call; a class whose global setup differs by method (a setup with
/// <c>Target</c>) cannot share one instance and is skipped with a message.
/// </remarks>
public static class InterleavedRun
{
    public static async Task<int> RunAsync(int rounds, IReadOnlyCollection<string> classNames)
    {
        if (classNames.Count == 0)
        {
            Console.Error.WriteLine("Name at least one benchmark class.");
            return 2;
        }

        Console.WriteLine($"{rounds} rounds by turns (order rotating), one process; medians in ms; ratio to the fastest method of the same row group");
        Console.WriteLine();
        Console.WriteLine("| class | parameters | method | median | / fastest |");
        Console.WriteLine("|---|---|---|--:|--:|");
        foreach (var type in SmokeRun.BenchmarkTypes(classNames))
        {
            if (type.GetMethods().Any(m => m.GetCustomAttributes(typeof(GlobalSetupAttribute), inherit: true).Cast<GlobalSetupAttribute>().Any(a => a.Targets is { Length: > 0 })))
            {
                Console.Error.WriteLine($"{type.Name}: its global setup differs by method; not interleaved.");
                continue;
            }

            foreach (var parameters in SmokeRun.ParameterSets(type))
            {
                var db = parameters.FirstOrDefault(p => p.Property.Name == nameof(DatabaseBenchmark.Db)).Value as string;
                var methods = type.GetMethods().Where(m => m.IsDefined(typeof(BenchmarkAttribute)) && OnlyOnAttribute.Runs(m, db)).ToArray();
                var instance = Activator.CreateInstance(type)!;
                foreach (var (property, value) in parameters)
                {
                    property.SetValue(instance, value);
                }

                var times = methods.Select(_ => new List<double>()).ToArray();
                await SmokeRun.InvokeAll<GlobalSetupAttribute>(instance, methods[0].Name);
                try
                {
                    for (var round = -1; round < rounds; round++)
                    {
                        for (var k = 0; k < methods.Length; k++)
                        {
                            var index = (Math.Max(round, 0) + k) % methods.Length;
                            var method = methods[index];
                            await SmokeRun.InvokeAll<IterationSetupAttribute>(instance, method.Name);
                            Stats.Settle();
                            var start = Stopwatch.GetTimestamp();
                            await SmokeRun.Invoke(instance, method);
                            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                            await SmokeRun.InvokeAll<IterationCleanupAttribute>(instance, method.Name);
                            if (round >= 0)
                            {
                                times[index].Add(elapsed);
                            }
                        }
                    }
                }
                finally
                {
                    await SmokeRun.InvokeAll<GlobalCleanupAttribute>(instance, methods[0].Name);
                }

                var medians = times.Select(Stats.Median).ToArray();
                var fastest = medians.Min();
                var label = string.Join(", ", parameters.Select(p => $"{p.Property.Name}={p.Value}"));
                for (var i = 0; i < methods.Length; i++)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {type.Name} | {label} | {methods[i].Name} | {medians[i]:F2} | {medians[i] / fastest:F2} |"));
                }
            }
        }

        return 0;
    }
}
