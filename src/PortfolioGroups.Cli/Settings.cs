using System.CommandLine;
using Microsoft.Data.Sqlite;

namespace PortfolioGroups.Cli;

/// <summary>The options every verb takes, and opening the store they name.</summary>
internal static class Settings
{
    public const string ConnectionVariable = "PORTFOLIOGROUPS_CONNECTION";
    public const string ProviderVariable = "PORTFOLIOGROUPS_PROVIDER";
    public const string DefaultSqliteFile = "portfolios.db";

    public static readonly Option<string?> Connection = new("--connection", "-c")
    {
        Description = $"The database: a SQLite file path or connection string, or a PostgreSQL connection string. Default: ${ConnectionVariable}, else {DefaultSqliteFile} in the current folder.",
        Recursive = true,
    };

    public static readonly Option<string?> Provider = new("--provider", "-p")
    {
        Description = $"sqlite or postgres. Default: ${ProviderVariable}, else sqlite.",
        Recursive = true,
    };

    public static readonly Option<string> Schema = new("--schema")
    {
        Description = "The PostgreSQL schema holding the tables.",
        DefaultValueFactory = _ => PortfolioStoreOptions.DefaultPostgresSchema,
        Recursive = true,
    };

    public static readonly Option<string?> PortfolioTableOption = new("--portfolio-table")
    {
        Description = "Read the portfolios from a table the host application owns: [schema.]table[:uid_column[:unique_identifier_column[:display_name_column]]] "
                      + "(defaults uid, unique_identifier, none). The library only reads that table; without this option the portfolios are the library's own table.",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write the result as JSON on stdout (errors stay one line on stderr).",
        Recursive = true,
    };

    static Settings()
    {
        Provider.AcceptOnlyFromAmong("sqlite", "postgres");
    }

    /// <summary>
    /// Opens the store without migrating. Unless <paramref name="forMigrate"/>, a database that is
    /// missing or not at this tool's schema version is refused, naming the command that fixes it.
    /// </summary>
    public static async Task<PortfolioStore> OpenAsync(ParseResult parse, bool forMigrate, CancellationToken ct)
    {
        var provider = parse.GetValue(Provider) ?? Environment.GetEnvironmentVariable(ProviderVariable) ?? "sqlite";
        var connection = parse.GetValue(Connection) ?? Environment.GetEnvironmentVariable(ConnectionVariable);
        var options = new PortfolioStoreOptions
        {
            MigrateOnOpen = false,
            PostgresSchema = parse.GetValue(Schema) ?? PortfolioStoreOptions.DefaultPostgresSchema,
            PortfolioTable = ParsePortfolioTable(parse.GetValue(PortfolioTableOption)),
        };

        PortfolioStore store;
        try
        {
            store = provider switch
            {
                "sqlite" => await OpenSqliteAsync(connection ?? DefaultSqliteFile, options, forMigrate, ct),
                "postgres" => await PortfolioStore.OpenPostgresAsync(
                    connection ?? throw new CliException(ExitCodes.Usage, $"--provider postgres needs --connection (or ${ConnectionVariable}) with a PostgreSQL connection string."),
                    options,
                    ct),
                _ => throw new CliException(ExitCodes.Usage, $"--provider must be sqlite or postgres, not '{provider}' (from ${ProviderVariable})."),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidValueException)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, $"The connection string is not valid for {provider}: {ex.Message}");
        }

        if (forMigrate)
        {
            return store;
        }

        try
        {
            var status = await store.GetMigrationStatusAsync(ct);
            if (!status.IsUpToDate)
            {
                throw new CliException(
                    ExitCodes.SchemaNotCurrent,
                    $"The database's schema is not up to date (pending migrations: {string.Join(", ", status.PendingVersions)}); run 'portfolio-groups migrate up' first.");
            }

            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>The <c>--portfolio-table</c> mapping: <c>[schema.]table[:uid[:unique_identifier[:display_name]]]</c>; the library's own table when absent.</summary>
    private static PortfolioTable ParsePortfolioTable(string? spec)
    {
        if (spec is null)
        {
            return PortfolioTable.Library;
        }

        var parts = spec.Split(':');
        var qualified = parts[0].Split('.', 2);
        var (schema, table) = qualified.Length == 2 ? (qualified[0], qualified[1]) : (null, qualified[0]);
        if (parts.Length > 4)
        {
            throw new CliException(ExitCodes.Usage, $"--portfolio-table '{spec}' has more than four parts: [schema.]table[:uid_column[:unique_identifier_column[:display_name_column]]].");
        }

        try
        {
            return PortfolioTable.Existing(
                table,
                parts.Length > 1 ? parts[1] : "uid",
                parts.Length > 2 ? parts[2] : "unique_identifier",
                parts.Length > 3 ? parts[3] : null,
                schema);
        }
        catch (InvalidValueException ex)
        {
            throw new CliException(ExitCodes.Usage, $"--portfolio-table: {ex.Message}");
        }
    }

    private static Task<PortfolioStore> OpenSqliteAsync(string connection, PortfolioStoreOptions options, bool forMigrate, CancellationToken ct)
    {
        // A bare path is a file; anything with '=' is a connection string.
        var builder = connection.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(connection)
            : new SqliteConnectionStringBuilder { DataSource = connection };
        var isFile = builder.Mode != SqliteOpenMode.Memory && builder.DataSource is not ("" or ":memory:");
        if (!forMigrate && isFile && !File.Exists(builder.DataSource))
        {
            // Opening would create an empty file; nothing but `migrate up` should do that.
            throw new CliException(ExitCodes.SchemaNotCurrent, $"There is no database at '{builder.DataSource}'; create it with 'portfolio-groups migrate up'.");
        }

        return PortfolioStore.OpenSqliteAsync(builder.ToString(), options, ct);
    }
}
