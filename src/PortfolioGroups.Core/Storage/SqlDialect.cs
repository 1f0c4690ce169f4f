using System.Data.Common;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Storage;

/// <summary>
/// What differs between the databases: how values travel as parameters, how a set of keys is
/// matched, how text is searched, and the qualified table names. One subclass per database holds
/// that database's SQL text; statements that are the same on both are built here.
/// </summary>
/// <remarks>
/// Only identifiers the library owns (table and column names from the model graph, and a schema
/// name validated on open) are ever interpolated; every value is a parameter.
/// </remarks>
internal abstract partial class SqlDialect
{
    protected SqlDialect(string? schema)
    {
        Portfolio = Qualify(schema, SchemaModel.Portfolio.PhysicalName);
        Group = Qualify(schema, SchemaModel.PortfolioGroup.PhysicalName);
        Membership = Qualify(schema, SchemaModel.PortfolioGroupMembership.PhysicalName);
        Catalog = Qualify(schema, SchemaModel.Catalog.PhysicalName);
        VersionTable = Qualify(schema, SchemaModel.VersionTableName);
    }

    public abstract DatabaseKind Kind { get; }

    /// <summary>The OpenTelemetry <c>db.system</c> value.</summary>
    public abstract string DbSystem { get; }

    public string Portfolio { get; }

    public string Group { get; }

    public string Membership { get; }

    public string Catalog { get; }

    public string VersionTable { get; }

    /// <summary>A uid as this database's driver wants it.</summary>
    public abstract object Uid(Guid value);

    /// <summary>A set of uids as one parameter value.</summary>
    public abstract object UidSet(IReadOnlyCollection<Guid> values);

    /// <summary>A set of strings as one parameter value.</summary>
    public abstract object TextSet(IReadOnlyCollection<string> values);

    /// <summary>SQL that is true when <paramref name="column"/> is in the set passed as <paramref name="parameter"/>.</summary>
    public abstract string InUidSet(string column, string parameter);

    /// <summary>SQL that is true when <paramref name="column"/> is in the string set passed as <paramref name="parameter"/>.</summary>
    public abstract string InTextSet(string column, string parameter);

    /// <summary>SQL for a JSON parameter value in an INSERT or UPDATE.</summary>
    public abstract string JsonValue(string parameter);

    /// <summary>SQL that is true when <paramref name="column"/> contains the searched text, ignoring case.</summary>
    public abstract string Contains(string column, string parameter);

    /// <summary>The parameter value for <see cref="Contains"/>.</summary>
    public abstract string SearchValue(string text);

    /// <summary>Translates a driver exception for a foreseeable case, or returns null.</summary>
    public abstract PortfolioGroupsException? Translate(DbException exception);

    /// <summary>Quotes an identifier the library owns.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Qualify(string? schema, string table) =>
        schema is null ? Quote(table) : Quote(schema) + "." + Quote(table);

    /// <summary>Finds the table and key a unique index or constraint name stands for.</summary>
    protected static (string Table, string Key)? DescribeConstraint(string? name)
    {
        if (name is null)
        {
            return null;
        }

        foreach (var table in SchemaModel.AllTables)
        {
            if (table.PrimaryKeyName == name)
            {
                return (table.Identifier, table.PrimaryKeyColumn);
            }

            foreach (var index in table.Indexes)
            {
                if (index.Name == name)
                {
                    return (table.Identifier, string.Join(", ", index.Columns));
                }
            }
        }

        return null;
    }

    /// <summary>Finds the table and key for "table.column[, table.column]" as SQLite names them.</summary>
    protected static (string Table, string Key)? DescribeColumns(string physicalTable, string columns)
    {
        var table = SchemaModel.FindTable(physicalTable);
        return table is null ? null : (table.Identifier, columns);
    }
}
