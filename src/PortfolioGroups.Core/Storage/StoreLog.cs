using Microsoft.Extensions.Logging;

namespace PortfolioGroups.Storage;

/// <summary>
/// Every log message the library writes, in one place. A store logs only through the
/// <see cref="PortfolioStoreOptions.LoggerFactory"/> it was opened with (none by default).
/// </summary>
/// <remarks>
/// Categories: <c>PortfolioGroups.Store</c> (opening, migrations) and
/// <c>PortfolioGroups.Commands</c> (slow commands), so a host can tune them apart.
/// </remarks>
internal static partial class StoreLog
{
    /// <summary>The logger category of opening and migrations.</summary>
    public const string StoreCategory = "PortfolioGroups.Store";

    [LoggerMessage(EventId = 1, EventName = "StoreOpened", Level = LogLevel.Information,
        Message = "PortfolioGroups store opened on {DbSystem} (schema {Schema}); migrate on open: {MigrateOnOpen}")]
    public static partial void Opened(ILogger logger, string dbSystem, string schema, bool migrateOnOpen);

    [LoggerMessage(EventId = 2, EventName = "MigrationsApplied", Level = LogLevel.Information,
        Message = "PortfolioGroups migrations applied: {Versions}; schema version now {CurrentVersion}")]
    public static partial void MigrationsApplied(ILogger logger, IReadOnlyList<long> versions, long currentVersion);

    [LoggerMessage(EventId = 3, EventName = "SchemaUpToDate", Level = LogLevel.Debug,
        Message = "PortfolioGroups schema is up to date at version {CurrentVersion}; no migration applied")]
    public static partial void SchemaUpToDate(ILogger logger, long currentVersion);

    [LoggerMessage(EventId = 4, EventName = "MigrationsReverted", Level = LogLevel.Warning,
        Message = "PortfolioGroups migrations reverted: {Versions}; schema version now {CurrentVersion}")]
    public static partial void MigrationsReverted(ILogger logger, IReadOnlyList<long> versions, long currentVersion);

    [LoggerMessage(EventId = 5, EventName = "SlowCommand", Level = LogLevel.Warning,
        Message = "Slow PortfolioGroups command {Operation} on {DbSystem}: {ElapsedMs:0.0} ms (threshold {ThresholdMs:0.0} ms), outcome {Outcome}")]
    public static partial void SlowCommand(ILogger logger, string operation, string dbSystem, double elapsedMs, double thresholdMs, string outcome);
}
