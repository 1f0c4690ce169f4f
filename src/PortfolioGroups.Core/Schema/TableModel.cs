using System.Collections.ObjectModel;

namespace PortfolioGroups.Schema;

/// <summary>The logical type of a column, mapped to a physical type by each database.</summary>
public enum ColumnKind
{
    /// <summary>A UUID: <c>uuid</c> on PostgreSQL, canonical lower-case text (36 characters) on SQLite.</summary>
    Uuid,

    /// <summary>Text with a maximum length: <c>varchar(n)</c> on PostgreSQL, <c>TEXT</c> on SQLite.</summary>
    BoundedText,

    /// <summary>Text of any length: <c>text</c> on PostgreSQL, <c>TEXT</c> on SQLite.</summary>
    Text,

    /// <summary>A JSON document: <c>jsonb</c> on PostgreSQL, checked text on SQLite.</summary>
    Json,

    /// <summary>A 64-bit integer: <c>bigint</c> on PostgreSQL, <c>INTEGER</c> on SQLite.</summary>
    WholeNumber,

    /// <summary>
    /// An instant in UTC: <c>timestamp with time zone</c> on PostgreSQL (microseconds); on SQLite
    /// text <c>YYYY-MM-DD HH:MM:SS.SSS</c> in UTC (milliseconds), which sorts as the instants do.
    /// </summary>
    Instant,
}

/// <summary>What the database does to referencing rows when the referenced row is deleted.</summary>
public enum DeleteRule
{
    /// <summary>The delete is refused while referencing rows exist.</summary>
    NoAction,

    /// <summary>The referencing rows are deleted with the referenced row.</summary>
    Cascade,
}

/// <summary>A column of a <see cref="TableModel"/>.</summary>
/// <param name="Name">The physical column name.</param>
/// <param name="Label">A short human-readable label.</param>
/// <param name="Description">What the column holds.</param>
/// <param name="Kind">The logical type.</param>
/// <param name="IsNullable">Whether the column accepts null.</param>
/// <param name="MaxLength">The maximum length in characters, for <see cref="ColumnKind.BoundedText"/>.</param>
public sealed record ColumnModel(
    string Name,
    string Label,
    string Description,
    ColumnKind Kind,
    bool IsNullable,
    int? MaxLength = null);

/// <summary>A foreign key from one column of a table to the primary key of another.</summary>
/// <param name="Name">The constraint name.</param>
/// <param name="Column">The referencing column.</param>
/// <param name="PrincipalTable">The physical name of the referenced table.</param>
/// <param name="PrincipalColumn">The referenced column.</param>
/// <param name="OnDelete">What happens to referencing rows when the referenced row is deleted.</param>
public sealed record ForeignKeyModel(
    string Name,
    string Column,
    string PrincipalTable,
    string PrincipalColumn,
    DeleteRule OnDelete);

/// <summary>An index of a table; unique indexes carry the table's unique constraints.</summary>
/// <param name="Name">The index name.</param>
/// <param name="Columns">The indexed columns, in order.</param>
/// <param name="IsUnique">Whether the index enforces uniqueness.</param>
public sealed record IndexModel(string Name, IReadOnlyList<string> Columns, bool IsUnique);

/// <summary>
/// One table of the model graph: its MetaTable identifier, physical name, description, columns,
/// primary key, foreign keys and indexes.
/// </summary>
/// <remarks>
/// The model graph is the single source of names and descriptions. Migrations create what it
/// describes, the catalog and PostgreSQL comments are written from it, and a test holds every
/// migrated database against it.
/// </remarks>
public sealed class TableModel
{
    internal TableModel(
        string identifier,
        string physicalName,
        string description,
        IReadOnlyList<ColumnModel> columns,
        string primaryKeyName,
        string primaryKeyColumn,
        IReadOnlyList<ForeignKeyModel> foreignKeys,
        IReadOnlyList<IndexModel> indexes)
    {
        Identifier = identifier;
        PhysicalName = physicalName;
        Description = description;
        Columns = new ReadOnlyCollection<ColumnModel>([.. columns]);
        PrimaryKeyName = primaryKeyName;
        PrimaryKeyColumn = primaryKeyColumn;
        ForeignKeys = new ReadOnlyCollection<ForeignKeyModel>([.. foreignKeys]);
        Indexes = new ReadOnlyCollection<IndexModel>([.. indexes]);
    }

    /// <summary>The logical MetaTable identifier, such as <c>PortfolioGroup</c>.</summary>
    public string Identifier { get; }

    /// <summary>The physical table name, such as <c>portfolio_group</c>.</summary>
    public string PhysicalName { get; }

    /// <summary>What the table holds.</summary>
    public string Description { get; }

    /// <summary>The columns, in physical order.</summary>
    public IReadOnlyList<ColumnModel> Columns { get; }

    /// <summary>The name of the primary key constraint.</summary>
    public string PrimaryKeyName { get; }

    /// <summary>The single primary key column.</summary>
    public string PrimaryKeyColumn { get; }

    /// <summary>The foreign keys, with their delete rules.</summary>
    public IReadOnlyList<ForeignKeyModel> ForeignKeys { get; }

    /// <summary>The secondary indexes (the primary key's own index is not listed).</summary>
    public IReadOnlyList<IndexModel> Indexes { get; }

    /// <summary>Returns the column with the given physical name.</summary>
    /// <exception cref="KeyNotFoundException">The table has no such column.</exception>
    public ColumnModel GetColumn(string name) =>
        Columns.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"Table '{PhysicalName}' has no column '{name}'.");

    /// <inheritdoc />
    public override string ToString() => $"{Identifier} ({PhysicalName})";
}
