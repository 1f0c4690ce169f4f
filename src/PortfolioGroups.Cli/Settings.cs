using System.CommandLine;
using Microsoft.Data.Sqlite;
using Npgsql;

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

    /// <summary>The database the command line names: <c>sqlite</c> (the default) or <c>postgres</c>, from <c>--provider</c> or <see cref="ProviderVariable"/>.</summary>
    public static string ProviderOf(ParseResult parse) =>
        parse.GetValue(Provider) ?? Environment.GetEnvironmentVariable(ProviderVariable) ?? "sqlite";

    /// <summary>Opens the store for a verb that uses the rows (<see cref="OpenFor.Use"/>), or for <c>migrate up</c>.</summary>
    public static Task<PortfolioStore> OpenAsync(ParseResult parse, bool forMigrate, CancellationToken ct) =>
        OpenAsync(parse, forMigrate ? OpenFor.Create : OpenFor.Use, ct);

    /// <summary>
    /// Opens the store without migrating, for <paramref name="purpose"/>. Only <see cref="OpenFor.Create"/>
    /// creates a SQLite file; <see cref="OpenFor.Use"/> refuses a database that is missing or not at
    /// this tool's schema version, naming the command that fixes it (or, on PostgreSQL, that the
    /// schema named does not exist).
    /// </summary>
    /// <param name="parse">The command line.</param>
    /// <param name="purpose">What the verb does with the database.</param>
    /// <param name="ct">Cancels opening.</param>
    /// <param name="membershipPartitions">PostgreSQL: the membership partitions the store asks for (<c>migrate partitions --count</c>); 0 otherwise.</param>
    public static async Task<PortfolioStore> OpenAsync(ParseResult parse, OpenFor purpose, CancellationToken ct, int membershipPartitions = 0)
    {
        var provider = ProviderOf(parse);
        var connection = parse.GetValue(Connection) ?? Environment.GetEnvironmentVariable(ConnectionVariable);
        var schema = parse.GetValue(Schema) ?? PortfolioStoreOptions.DefaultPostgresSchema;
        var portfolioTable = ParsePortfolioTable(parse.GetValue(PortfolioTableOption));
        PortfolioStore store;
        try
        {
            // Inside the try: a partition count out of range is refused as the options are made.
            var options = new PortfolioStoreOptions
            {
                MigrateOnOpen = false,
                PostgresSchema = schema,
                PortfolioTable = portfolioTable,
                PostgresMembershipPartitions = membershipPartitions,
            };
            store = provider switch
            {
                "sqlite" => await OpenSqliteAsync(connection ?? DefaultSqliteFile, options, purpose, ct),
                "postgres" => await PortfolioStore.OpenPostgresAsync(
                    connection ?? throw new CliException(ExitCodes.Usage, $"--provider postgres needs --connection (or ${ConnectionVariable}) with a PostgreSQL connection string."),
                    options,
                    ct),
                _ => throw new CliException(ExitCodes.Usage, $"--provider must be sqlite or postgres, not '{provider}' (from ${ProviderVariable})."),
            };
        }
        catch (InvalidValueException ex) when (ex.Field == nameof(PortfolioStoreOptions.PostgresSchema))
        {
            throw new CliException(ExitCodes.InvalidInput, $"Invalid --schema: {ex.Reason} Nothing was changed.");
        }
        catch (InvalidValueException ex) when (ex.Field == nameof(PortfolioStoreOptions.PostgresMembershipPartitions))
        {
            throw new CliException(ExitCodes.InvalidInput, $"Invalid --count: {ex.Reason} Nothing was changed.");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidValueException)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, $"The connection string is not valid for {provider}: {ex.Message}");
        }

        if (purpose != OpenFor.Use)
        {
            return store;
        }

        try
        {
            var status = await store.GetMigrationStatusAsync(ct);
            if (!status.IsUpToDate)
            {
                if (provider == "postgres" && status.AppliedVersions.Count == 0 && !await PostgresSchemaExistsAsync(connection!, schema, ct))
                {
                    // Advising `migrate up` here would create tables under a mistyped name.
                    throw new CliException(ExitCodes.InvalidInput, $"The schema '{schema}' does not exist in this database; check --schema{await SchemasWithTablesAsync(connection!, ct)}.");
                }

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

    /// <summary>
    /// Refuses a portfolio write (<paramref name="verb"/>) when the store's portfolios are the host's
    /// table (<c>--portfolio-table</c>): the host owns and writes those rows; the tool only reads them.
    /// </summary>
    public static void RefusePortfolioWrites(PortfolioStore store, string verb)
    {
        if (store.PortfolioTable is { IsLibrary: false } host)
        {
            var table = host.Schema is null ? host.Table : $"{host.Schema}.{host.Table}";
            throw new CliException(
                ExitCodes.HostOwnsPortfolios,
                $"Cannot {verb} portfolios: they are the host's table '{table}' (--portfolio-table), which the host application writes; the tool only reads it. Nothing was written.");
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

    private static async Task<bool> PostgresSchemaExistsAsync(string connection, string schema, CancellationToken ct)
    {
        await using var data = NpgsqlDataSource.Create(connection);
        await using var command = data.CreateCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>", where the library's tables are: a, b", or nothing when no schema has them.</summary>
    private static async Task<string> SchemasWithTablesAsync(string connection, CancellationToken ct)
    {
        await using var data = NpgsqlDataSource.Create(connection);
        await using var command = data.CreateCommand(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'portfolio_group_membership' ORDER BY table_schema");
        var schemas = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            schemas.Add(reader.GetString(0));
        }

        return schemas.Count == 0 ? "" : $" (the library's tables are in: {string.Join(", ", schemas)})";
    }

    private static Task<PortfolioStore> OpenSqliteAsync(string connection, PortfolioStoreOptions options, OpenFor purpose, CancellationToken ct)
    {
        // A bare path is a file; anything with '=' is a connection string.
        var builder = connection.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(connection)
            : new SqliteConnectionStringBuilder { DataSource = connection };
        var isFile = builder.Mode != SqliteOpenMode.Memory && builder.DataSource is not ("" or ":memory:");
        if (isFile && Directory.Exists(builder.DataSource))
        {
            throw new CliException(ExitCodes.DatabaseUnavailable, $"'{builder.DataSource}' is a folder, not a SQLite database file.");
        }

        if (isFile && !File.Exists(builder.DataSource))
        {
            switch (purpose)
            {
                case OpenFor.Create:
                    // `migrate up` creates the file, and the folder it goes in.
                    var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
                    if (folder is not null && !File.Exists(folder))
                    {
                        Directory.CreateDirectory(folder);
                    }

                    break;
                case OpenFor.Inspect:
                    // Reading the status of a database that is not there yet: it is empty, and stays absent.
                    var empty = new SqliteConnectionStringBuilder { DataSource = "portfolio-groups-" + Guid.NewGuid().ToString("N"), Mode = SqliteOpenMode.Memory, Cache = SqliteCacheMode.Shared };
                    return PortfolioStore.OpenSqliteAsync(empty.ToString(), options, ct);
                case OpenFor.Change:
                    throw new CliException(ExitCodes.SchemaNotCurrent, $"There is no database at '{builder.DataSource}'; nothing to revert.");
                default:
                    // Opening would create an empty file; nothing but `migrate up` should do that.
                    throw new CliException(ExitCodes.SchemaNotCurrent, $"There is no database at '{builder.DataSource}'; create it with 'portfolio-groups migrate up'.");
            }
        }

        return PortfolioStore.OpenSqliteAsync(builder.ToString(), options, ct);
    }
}

/// <summary>What a verb opens the database for, which decides what it may create.</summary>
internal enum OpenFor
{
    /// <summary>Reading or editing rows: the database must exist, at this tool's schema version.</summary>
    Use,

    /// <summary><c>migrate status</c> and <c>script</c>: nothing is created; a missing SQLite file reads as an empty database.</summary>
    Inspect,

    /// <summary><c>migrate up</c>: creates a missing SQLite file (and its folder).</summary>
    Create,

    /// <summary><c>migrate down</c> and (PostgreSQL) <c>migrate partitions</c>: the database must exist; any schema version.</summary>
    Change,
}
