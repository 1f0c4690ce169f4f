using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace PortfolioGroups.Hosting;

/// <summary>
/// The keys of a <c>PortfolioGroups</c> configuration section, bound by the configuration binding
/// source generator (no reflection, so it works with dynamic code off).
/// </summary>
internal sealed class PortfolioGroupsSettings
{
    /// <summary><c>Sqlite</c> or <c>Postgres</c> (also <c>PostgreSQL</c>), any case.</summary>
    public string? Provider { get; set; }

    public string? ConnectionString { get; set; }

    /// <summary>A name under the host's <c>ConnectionStrings</c> section.</summary>
    public string? ConnectionStringName { get; set; }

    /// <summary>The PostgreSQL schema of the tables.</summary>
    public string? Schema { get; set; }

    public bool MigrateOnStart { get; set; }

    public TimeSpan? SlowCommandThreshold { get; set; }

    public SqliteSynchronousMode? SqliteSynchronous { get; set; }

    public int? SqliteCacheSizeKiB { get; set; }

    /// <summary>Where reads go over several PostgreSQL hosts: <c>Primary</c> or <c>PreferStandby</c>.</summary>
    public PostgresReadTarget? PostgresReads { get; set; }

    public bool? ReadYourWrites { get; set; }

    public TimeSpan? ReplicaWaitTimeout { get; set; }

    /// <summary>PostgreSQL: the membership table's hash partitions; 0 (the default) keeps one plain table.</summary>
    public int? PostgresMembershipPartitions { get; set; }

    public PortfolioTableSettings? PortfolioTable { get; set; }
}

/// <summary>The <c>PortfolioTable</c> subsection: a host's portfolio table (<see cref="PortfolioGroups.PortfolioTable.Existing"/>); absent for the library's own.</summary>
internal sealed class PortfolioTableSettings
{
    public string? Table { get; set; }

    public string? UidColumn { get; set; }

    public string? UniqueIdentifierColumn { get; set; }

    public string? DisplayNameColumn { get; set; }

    public string? Schema { get; set; }
}

/// <summary>Turns a configuration section into <see cref="PortfolioGroupsOptions"/>, naming the key of any bad value.</summary>
internal static class PortfolioGroupsConfiguration
{
    public static PortfolioGroupsOptions Read(IConfiguration section, IServiceProvider services)
    {
        var path = section is IConfigurationSection s ? s.Path : PortfolioGroupsOptions.ConfigurationSectionName;
        var settings = new PortfolioGroupsSettings();
        try
        {
            section.Bind(settings);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert.
            throw new InvalidValueException(path, ex.Message);
        }

        var options = new PortfolioGroupsOptions { MigrateOnStart = settings.MigrateOnStart };
        // A key left out keeps the store's default.
        var defaults = options.Store;
        var store = defaults with
        {
            SlowCommandThreshold = settings.SlowCommandThreshold ?? defaults.SlowCommandThreshold,
            PostgresSchema = settings.Schema ?? defaults.PostgresSchema,
            SqliteSynchronous = settings.SqliteSynchronous ?? defaults.SqliteSynchronous,
            SqliteCacheSizeKiB = settings.SqliteCacheSizeKiB ?? defaults.SqliteCacheSizeKiB,
            PostgresReads = settings.PostgresReads ?? defaults.PostgresReads,
            ReadYourWrites = settings.ReadYourWrites ?? defaults.ReadYourWrites,
            ReplicaWaitTimeout = settings.ReplicaWaitTimeout ?? defaults.ReplicaWaitTimeout,
        };

        if (settings.PostgresMembershipPartitions is { } partitions)
        {
            try
            {
                store = store with { PostgresMembershipPartitions = partitions };
            }
            catch (InvalidValueException ex)
            {
                throw new InvalidValueException($"{path}:{nameof(PortfolioGroupsSettings.PostgresMembershipPartitions)}", ex.Reason);
            }
        }

        if (settings.PortfolioTable is { } table)
        {
            store = store with
            {
                PortfolioTable = PortfolioTable.Existing(
                    table.Table ?? throw new InvalidValueException(path + ":PortfolioTable:Table", "is missing: name the host's portfolio table, or remove the PortfolioTable section."),
                    table.UidColumn ?? "uid",
                    table.UniqueIdentifierColumn ?? "unique_identifier",
                    table.DisplayNameColumn,
                    table.Schema),
            };
        }

        options.Store = store;
        var connectionString = ConnectionString(settings, path, services);
        switch (settings.Provider?.Trim().ToUpperInvariant())
        {
            case "SQLITE":
                options.UseSqlite(connectionString ?? throw Missing(path));
                break;
            case "POSTGRES" or "POSTGRESQL" or "NPGSQL":
                if (connectionString is not null)
                {
                    options.UsePostgres(connectionString);
                }
                else
                {
                    options.UsePostgres(services.GetService<NpgsqlDataSource>() ?? throw Missing(path));
                }

                break;
            default:
                throw new InvalidValueException(
                    path + ":Provider",
                    settings.Provider is null ? "is missing: set it to Sqlite or Postgres." : $"must be Sqlite or Postgres (got '{settings.Provider}').");
        }

        return options;
    }

    private static string? ConnectionString(PortfolioGroupsSettings settings, string path, IServiceProvider services)
    {
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return settings.ConnectionString;
        }

        if (string.IsNullOrWhiteSpace(settings.ConnectionStringName))
        {
            return null;
        }

        var named = services.GetService<IConfiguration>()?.GetConnectionString(settings.ConnectionStringName);
        return string.IsNullOrWhiteSpace(named)
            ? throw new InvalidValueException(path + ":ConnectionStringName", $"names no connection string: ConnectionStrings:{settings.ConnectionStringName} is not set.")
            : named;
    }

    private static InvalidValueException Missing(string path) =>
        new(path + ":ConnectionString", "is missing: set ConnectionString, or ConnectionStringName (a name under ConnectionStrings); on PostgreSQL, or register an NpgsqlDataSource in the container.");
}
