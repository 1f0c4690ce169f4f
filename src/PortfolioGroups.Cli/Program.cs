using System.CommandLine;
using System.Data.Common;
using Npgsql;
using PortfolioGroups;
using PortfolioGroups.Cli;

var root = new RootCommand("portfolio-groups: migrate and inspect a PortfolioGroups database, edit its portfolios, groups and members, import portfolios and memberships from CSV.")
{
    Settings.Connection,
    Settings.Provider,
    Settings.Schema,
    Settings.PortfolioTableOption,
    Settings.Json,
    MigrateCommands.Create(),
    CatalogCommands.Create(),
    SchemaCommands.Create(),
    GroupCommands.Create(),
    PortfolioCommands.Create(),
    MemberCommands.Create(),
    HistoryCommands.Create(),
    ImportCommand.Create(),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    var errors = string.Join("; ", parse.Errors.Select(e => OneLine(e.Message).TrimEnd('.')).Distinct());
    await Console.Error.WriteLineAsync($"portfolio-groups: {errors} (see 'portfolio-groups --help')");
    return ExitCodes.Usage;
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex)
{
    var (code, message) = Explain(ex);
    await Console.Error.WriteLineAsync($"portfolio-groups: {OneLine(message)}");
    return code;
}

// Every failure is one line on stderr with a documented exit code; never a stack trace.
static (int Code, string Message) Explain(Exception ex) => ex switch
{
    CliException cli => (cli.ExitCode, cli.Message),
    StoreOpenException { Failure: StoreOpenFailure.PortfolioTableMismatch } => (ExitCodes.InvalidInput, $"The host's portfolio table does not fit: {ex.Message}"),
    OperationCanceledException => (ExitCodes.Cancelled, "Cancelled; the interrupted write was rolled back."),
    RowNotFoundException => (ExitCodes.NotFound, ex.Message),
    InvalidValueException or DuplicateKeyException => (ExitCodes.InvalidInput, ex.Message + " Nothing was written."),
    TransientStorageException => (ExitCodes.DatabaseUnavailable, $"Cannot reach the database: {ex.Message}"),
    StoreOpenException => (ExitCodes.DatabaseUnavailable, $"Cannot use the database: {ex.Message}"),
    PortfolioGroupsException => (ExitCodes.Failure, ex.Message),
    PostgresException { SqlState: ['0', '8', ..] or ['2', '8', ..] or "3D000" or "57P03" } pg => (ExitCodes.DatabaseUnavailable, $"Cannot use the database: {pg.MessageText}"),
    PostgresException pg => (ExitCodes.Failure, $"The database refused the command: {pg.SqlState}: {pg.MessageText}"),
    NpgsqlException or TimeoutException => (ExitCodes.DatabaseUnavailable, $"Cannot reach the database: {ex.Message}"),
    DbException => (ExitCodes.Failure, $"The database failed: {ex.Message}"),
    _ => (ExitCodes.Failure, $"Unexpected error ({ex.GetType().Name}): {ex.Message}"),
};

static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
