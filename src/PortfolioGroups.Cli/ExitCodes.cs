namespace PortfolioGroups.Cli;

/// <summary>The tool's exit codes; docs/cli.md lists the same table.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug, or an error the tool has no better code for).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: an unknown verb or option, a missing or malformed argument.</summary>
    public const int Usage = 2;

    /// <summary>Bad input: an invalid value, a malformed CSV line, an unreadable file. Nothing was written.</summary>
    public const int InvalidInput = 3;

    /// <summary>A named group or portfolio does not exist. Nothing was written.</summary>
    public const int NotFound = 4;

    /// <summary>The database cannot be reached or opened: a bad connection string, an unreachable server, a refused login.</summary>
    public const int DatabaseUnavailable = 5;

    /// <summary>The database is not migrated: no SQLite file there yet, or migrations are pending (run <c>migrate up</c>).</summary>
    public const int SchemaNotCurrent = 6;

    /// <summary><c>schema check</c> found the physical schema different from the model.</summary>
    public const int SchemaDrift = 7;

    /// <summary>A portfolio write (<c>portfolios add|delete|import</c>) on a database whose portfolios are the host's table (<c>--portfolio-table</c>). Nothing was written.</summary>
    public const int HostOwnsPortfolios = 8;

    /// <summary>Cancelled (Ctrl+C). Nothing of the interrupted write was kept.</summary>
    public const int Cancelled = 130;
}

/// <summary>A failure the tool explains itself: one line for stderr, and its exit code.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
