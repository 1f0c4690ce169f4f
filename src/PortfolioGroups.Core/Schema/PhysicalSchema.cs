namespace PortfolioGroups.Schema;

/// <summary>A column as the database reports it.</summary>
internal sealed record PhysicalColumn(string Name, string Type, bool IsNullable);

/// <summary>A single-column foreign key as the database reports it; the name is null on SQLite, which keeps none.</summary>
internal sealed record PhysicalForeignKey(string? Name, string Column, string PrincipalTable, string PrincipalColumn, string OnDelete);

/// <summary>An index other than the primary key's, as the database reports it.</summary>
internal sealed record PhysicalIndex(string Name, IReadOnlyList<string> Columns, bool IsUnique);

/// <summary>A table as the database reports it.</summary>
internal sealed record PhysicalTable(
    string Name,
    IReadOnlyList<PhysicalColumn> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<PhysicalForeignKey> ForeignKeys,
    IReadOnlyList<PhysicalIndex> Indexes)
{
    public PhysicalColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);
}
