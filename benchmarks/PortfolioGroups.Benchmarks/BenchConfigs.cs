using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// For benchmarks that re-seed the database before every iteration ([IterationSetup]): one
/// invocation per iteration, so each measured call starts from the same data.
/// </summary>
public sealed class OneInvocationPerIterationConfig : ManualConfig
{
    public OneInvocationPerIterationConfig() =>
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(15)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("OneInvocation"));
}

/// <summary>For read-only benchmarks: BenchmarkDotNet picks the invocation count; a short run on a small machine.</summary>
public sealed class ShortRunConfig : ManualConfig
{
    public ShortRunConfig() =>
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(15)
            .WithId("Short"));
}
