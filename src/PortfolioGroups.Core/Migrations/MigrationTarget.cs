namespace PortfolioGroups.Migrations;

/// <summary>
/// What a migration needs to know about the database it runs on: the schema and the physical
/// types that differ between the databases. Passed to each migration's constructor.
/// </summary>
internal sealed record MigrationTarget(DatabaseKind Kind, string? Schema)
{
    public bool IsPostgres => Kind == DatabaseKind.Postgres;

    /// <summary>A uuid column: native on PostgreSQL; on SQLite canonical lower-case text, checked.</summary>
    public string UuidType(string column) =>
        IsPostgres ? "uuid" : $"TEXT CHECK (length({column}) = 36 AND {column} = lower({column}))";

    /// <summary>A JSON object column: jsonb on PostgreSQL, checked; on SQLite text checked to hold a JSON object.</summary>
    public string JsonObjectType(string column) =>
        IsPostgres
            ? $"jsonb CHECK (jsonb_typeof({column}) = 'object')"
            : $"TEXT CHECK ({column} IS NULL OR CASE WHEN json_valid({column}) THEN json_type({column}) = 'object' ELSE 0 END)";

    /// <summary>A JSON column written only by the library.</summary>
    public string JsonType => IsPostgres ? "jsonb" : "TEXT";
}
