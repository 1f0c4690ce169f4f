using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>
/// What a migration needs to know about the database it runs on: the schema and the physical
/// types that differ between the databases, as the database class says. Passed to each
/// migration's constructor.
/// </summary>
internal sealed class MigrationTarget(Database database)
{
    public string? Schema => database.Schema;

    /// <summary>A uuid column: native on PostgreSQL; on SQLite canonical lower-case text, checked.</summary>
    public string UuidType(string column) => database.UuidColumnType(column);

    /// <summary>A JSON object column: jsonb on PostgreSQL, checked; on SQLite text checked to hold a JSON object.</summary>
    public string JsonObjectType(string column) => database.JsonObjectColumnType(column);

    /// <summary>A JSON column written only by the library.</summary>
    public string JsonType => database.JsonColumnType;

    /// <summary>A table, function or trigger name in the store's schema, quoted and qualified as the database's own names are.</summary>
    public string Qualified(string name) => database.Qualify(name);

    /// <summary>The database the migration runs on, for the SQL fragments that differ.</summary>
    public Database Database => database;
}
