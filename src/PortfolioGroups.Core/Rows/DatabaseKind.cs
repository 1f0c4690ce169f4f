namespace PortfolioGroups;

/// <summary>The database a <see cref="PortfolioStore"/> is open on.</summary>
public enum DatabaseKind
{
    /// <summary>SQLite, embedded: a file or a shared in-memory database.</summary>
    Sqlite,

    /// <summary>PostgreSQL, in a configurable schema.</summary>
    Postgres,
}
