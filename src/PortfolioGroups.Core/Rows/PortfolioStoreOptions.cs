namespace PortfolioGroups;

/// <summary>Options for opening a <see cref="PortfolioStore"/>.</summary>
public sealed record PortfolioStoreOptions
{
    /// <summary>The default PostgreSQL schema, <c>public</c>.</summary>
    public const string DefaultPostgresSchema = "public";

    /// <summary>
    /// The PostgreSQL schema that holds the library's tables, its version table and its catalog.
    /// Created when missing. Ignored on SQLite.
    /// </summary>
    /// <remarks>
    /// A plain identifier: lower-case letters, digits and underscores, starting with a letter or
    /// underscore, at most 63 characters; PostgreSQL reserves names starting with <c>pg_</c>.
    /// </remarks>
    public string PostgresSchema { get; init; } = DefaultPostgresSchema;

    /// <summary>
    /// Whether opening the store applies pending migrations (default true), so a quickstart or a
    /// notebook needs no extra step. Turn it off when migrations are applied by a deployment step.
    /// </summary>
    public bool MigrateOnOpen { get; init; } = true;
}
