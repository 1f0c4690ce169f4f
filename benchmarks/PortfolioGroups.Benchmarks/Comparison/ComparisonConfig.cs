using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// The job of the side-by-side classes: a short run (1 launch, 2 warmups, 10 iterations of about
/// 250 ms) so all of them fit in about 15 minutes on 2 cores, and a CSV in microseconds without
/// units in the cells (so sub-millisecond medians keep their digits), which <c>--table</c> and
/// <c>--chart</c> read.
/// </summary>
public sealed class ComparisonConfig : ManualConfig
{
    /// <summary>The CSV style the report reads: times in µs, plain numbers, invariant culture.</summary>
    public static SummaryStyle CsvStyle { get; } = new(
        CultureInfo.InvariantCulture,
        printUnitsInHeader: true,
        sizeUnit: SizeUnit.KB,
        timeUnit: TimeUnit.Microsecond,
        printUnitsInContent: false);

    public ComparisonConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Comparison"));
        AddColumn(StatisticColumn.Median);
        AddExporter(new CsvExporter(CsvSeparator.Comma, CsvStyle));
        AddFilter(OnlyOnAttribute.Filter);
    }
}

/// <summary>
/// For side-by-side classes that re-seed before every iteration ([IterationSetup]): one invocation
/// per iteration, 1 launch, 2 warmups, 10 iterations; the same CSV as <see cref="ComparisonConfig"/>.
/// </summary>
public sealed class ComparisonOneInvocationConfig : ManualConfig
{
    public ComparisonOneInvocationConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("ComparisonOneInvocation"));
        AddColumn(StatisticColumn.Median);
        AddExporter(new CsvExporter(CsvSeparator.Comma, ComparisonConfig.CsvStyle));
        AddFilter(OnlyOnAttribute.Filter);
    }
}

/// <summary>
/// For the side-by-side classes whose one call takes seconds (100,000-row bulk adds): one
/// invocation per iteration, 1 launch, 1 warmup, 5 iterations, so each class fits in a few
/// minutes on 2 cores; the same CSV as <see cref="ComparisonConfig"/>.
/// </summary>
public sealed class ComparisonBulkConfig : ManualConfig
{
    public ComparisonBulkConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("ComparisonBulk"));
        AddColumn(StatisticColumn.Median);
        AddExporter(new CsvExporter(CsvSeparator.Comma, ComparisonConfig.CsvStyle));
        AddFilter(OnlyOnAttribute.Filter);
    }
}

/// <summary>
/// For a side-by-side class with a call that takes a minute or more (100,000 single-row adds in a
/// loop, 3 to 8 minutes on this machine): cold start (no jitting or pilot call, which would run the
/// long call again), 0 warmups, 1 measured call; the same CSV as <see cref="ComparisonConfig"/>.
/// </summary>
public sealed class ComparisonLoopConfig : ManualConfig
{
    public ComparisonLoopConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.ColdStart)
            .WithLaunchCount(1)
            .WithWarmupCount(0)
            .WithIterationCount(1)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithEvaluateOverhead(false)
            .WithId("ComparisonLoop"));
        AddColumn(StatisticColumn.Median);
        AddExporter(new CsvExporter(CsvSeparator.Comma, ComparisonConfig.CsvStyle));
        AddFilter(OnlyOnAttribute.Filter);
    }
}
