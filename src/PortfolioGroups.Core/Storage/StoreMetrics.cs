using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PortfolioGroups.Storage;

/// <summary>
/// The library's <see cref="Meter"/>, named <c>PortfolioGroups</c> like its activity source, and
/// its three instruments. Every command <see cref="Database"/> runs is recorded once, through a
/// <see cref="CommandMeasurement"/>.
/// </summary>
/// <remarks>
/// Tags: <c>db.system.name</c> (<c>sqlite</c> or <c>postgresql</c>), <c>db.operation.name</c>
/// (the library's operation, such as <c>portfolio.get</c>), and on a failed command
/// <c>error.type</c> (the exception's full type name). With no listener the instruments cost a
/// timestamp and a few branches per command.
/// </remarks>
internal static class StoreMetrics
{
    /// <summary>The meter's name, <c>PortfolioGroups</c>.</summary>
    public const string MeterName = "PortfolioGroups";

    /// <summary>The name of the counter of commands run.</summary>
    public const string CommandsName = "portfoliogroups.commands";

    /// <summary>The name of the histogram of command durations, in seconds.</summary>
    public const string DurationName = "portfoliogroups.command.duration";

    /// <summary>The name of the counter of commands that failed.</summary>
    public const string ErrorsName = "portfoliogroups.command.errors";

    private static readonly Meter Meter = new(MeterName, typeof(StoreMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> Commands = Meter.CreateCounter<long>(
        CommandsName, "{command}", "Commands run against the database, failed ones included.");

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        DurationName, "s", "How long each command took: from its start to its last row (a stream's enumeration included).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    public static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        ErrorsName, "{error}", "Commands that ended with an exception (a cancelled command included).");

    /// <summary>The name of the counter of reads a store sent towards a standby (<c>PostgresReadTarget.PreferStandby</c>).</summary>
    public const string ReplicaReadsName = "portfoliogroups.replica.reads";

    /// <summary>The name of the counter of read-your-writes waits, by outcome.</summary>
    public const string ReplicaWaitsName = "portfoliogroups.replica.waits";

    /// <summary>The tag of <see cref="ReplicaReads"/>: the server the read ran on, <c>standby</c> or <c>primary</c>.</summary>
    public const string ServerTag = "portfoliogroups.server";

    /// <summary>The tag of <see cref="ReplicaWaits"/>: <c>caught_up</c> (read from the standby) or <c>timed_out</c> (read from the primary).</summary>
    public const string OutcomeTag = "portfoliogroups.outcome";

    public static readonly Counter<long> ReplicaReads = Meter.CreateCounter<long>(
        ReplicaReadsName, "{read}", "Reads sent towards a standby, by the server they ran on (the primary when no standby was up, or the standby fell behind).");

    public static readonly Counter<long> ReplicaWaits = Meter.CreateCounter<long>(
        ReplicaWaitsName, "{wait}", "Reads that waited for a standby to replay the store's own writes: caught up in time, or timed out and read from the primary.");

    /// <summary>Counts one read sent towards a standby, by the server it ran on.</summary>
    public static void ReplicaRead(string dbSystem, bool onStandby) =>
        ReplicaReads.Add(1, new TagList { { "db.system.name", dbSystem }, { ServerTag, onStandby ? "standby" : "primary" } });

    /// <summary>Counts one read-your-writes wait, by how it ended.</summary>
    public static void ReplicaWait(string dbSystem, bool caughtUp) =>
        ReplicaWaits.Add(1, new TagList { { "db.system.name", dbSystem }, { OutcomeTag, caughtUp ? "caught_up" : "timed_out" } });
}

/// <summary>
/// What a store does for each command besides running it: the metrics, and a warning through its
/// logger when a command takes longer than <see cref="PortfolioStoreOptions.SlowCommandThreshold"/>.
/// </summary>
internal sealed class CommandTelemetry(ILogger logger, TimeSpan? slowCommandThreshold)
{
    /// <summary>Metrics only: no logger (a database before its store sets one).</summary>
    public static readonly CommandTelemetry MetricsOnly = new(NullLogger.Instance, null);

    /// <summary>The logger category of slow-command warnings.</summary>
    public const string LoggerCategory = "PortfolioGroups.Commands";

    private readonly long? _slowTicks = slowCommandThreshold is { } threshold ? (long)(threshold.TotalSeconds * Stopwatch.Frequency) : null;

    /// <summary>Starts measuring one command; dispose the measurement when the command ends.</summary>
    public CommandMeasurement Start(string operation, string dbSystem) => new(this, operation, dbSystem);

    internal void Record(string operation, string dbSystem, long started, Exception? error)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        if (elapsed >= _slowTicks)
        {
            StoreLog.SlowCommand(logger, operation, dbSystem, elapsed * 1000.0 / Stopwatch.Frequency, slowCommandThreshold!.Value.TotalMilliseconds, error is null ? "ok" : error.GetType().Name);
        }

        if (!StoreMetrics.Commands.Enabled && !StoreMetrics.Duration.Enabled && !StoreMetrics.Errors.Enabled)
        {
            // No listener: nothing to record, and no tags to build.
            return;
        }

        var tags = new TagList
        {
            { "db.system.name", dbSystem },
            { "db.operation.name", operation },
        };
        if (error is not null)
        {
            tags.Add("error.type", error.GetType().FullName);
            StoreMetrics.Errors.Add(1, tags);
        }

        StoreMetrics.Commands.Add(1, tags);
        StoreMetrics.Duration.Record((double)elapsed / Stopwatch.Frequency, tags);
    }
}

/// <summary>One command being measured: records it when disposed, as failed if <see cref="Failed"/> saw an exception.</summary>
internal sealed class CommandMeasurement(CommandTelemetry telemetry, string operation, string dbSystem) : IDisposable
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private Exception? _error;

    /// <summary>Notes the command's exception; always false, so it serves as an exception filter that catches nothing.</summary>
    public bool Failed(Exception error)
    {
        _error = error;
        return false;
    }

    public void Dispose() => telemetry.Record(operation, dbSystem, _started, _error);
}
