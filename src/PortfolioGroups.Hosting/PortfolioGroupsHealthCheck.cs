using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PortfolioGroups.Hosting;

/// <summary>
/// Reports whether the host's store is open, its database reachable, and its schema current:
/// healthy when every migration the library ships is applied; the registration's failure status
/// (Unhealthy by default) when the store is not open, the database cannot be reached, or
/// migrations are pending; Degraded when a newer library has migrated the database further.
/// </summary>
/// <remarks>
/// One small read of the migration history per check. The description names the versions; the
/// data carries <c>database</c>, <c>current_version</c>, <c>pending_versions</c> and <c>newer_versions</c>.
/// </remarks>
internal sealed class PortfolioGroupsHealthCheck(PortfolioStoreLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = context.Registration.FailureStatus;
        var store = lifetime.OpenStore;
        if (store is null)
        {
            return new HealthCheckResult(failure, "The PortfolioGroups store is not open: the host has not started it yet, or has stopped.");
        }

        MigrationStatus status;
        try
        {
            status = await store.GetMigrationStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return new HealthCheckResult(failure, "The PortfolioGroups store is not open: the host has stopped.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(failure, $"The PortfolioGroups {Name(store.DatabaseKind)} database cannot be reached: {ex.Message}", ex);
        }

        var latest = PortfolioStore.LibraryMigrationVersions[^1];
        var newer = status.AppliedVersions.Where(v => v > latest).ToList();
        var data = new Dictionary<string, object>
        {
            ["database"] = Name(store.DatabaseKind),
            ["current_version"] = status.CurrentVersion,
            ["pending_versions"] = status.PendingVersions,
            ["newer_versions"] = newer,
        };
        if (status.PendingVersions.Count > 0)
        {
            var current = status.CurrentVersion == 0 ? "no migration applied" : $"version {status.CurrentVersion} applied";
            return new HealthCheckResult(
                failure,
                $"The PortfolioGroups schema is not current: {current}, pending {string.Join(", ", status.PendingVersions)}. "
                + "Apply them (MigrateOnStart, PortfolioStore.MigrateAsync, or the portfolio-groups tool).",
                data: data);
        }

        if (newer.Count > 0)
        {
            return HealthCheckResult.Degraded(
                $"The PortfolioGroups schema is at version {newer[^1]}, newer than this library's latest, {latest} "
                + $"(newer versions applied: {string.Join(", ", newer)}): use a library at least as new.",
                data: data);
        }

        return HealthCheckResult.Healthy($"The PortfolioGroups {Name(store.DatabaseKind)} schema is current at version {status.CurrentVersion}.", data);
    }

    private static string Name(DatabaseKind kind) => kind == DatabaseKind.Postgres ? "PostgreSQL" : "SQLite";
}
