namespace PortfolioGroups.Schema;

/// <summary>
/// How a database reports the model's tables in its own catalog: what the drift check
/// (<see cref="SchemaDrift"/>) expects to find there. Each database class answers for its database.
/// </summary>
internal interface IPhysicalConventions
{
    /// <summary>The type the database reports for a column of the model (the migrations create these).</summary>
    string PhysicalType(ColumnModel column);

    /// <summary>Whether the catalog keeps the names of foreign keys, so the check compares them too (SQLite keeps none).</summary>
    bool KeepsForeignKeyNames { get; }

    /// <summary>Whether a host's uid column of this reported type can hold the library's uids (PostgreSQL <c>uuid</c>; SQLite text).</summary>
    bool FitsUid(string physicalType);

    /// <summary>The uid column type this database asks of a host's table, in words for an error message.</summary>
    string UidTypeInWords { get; }

    /// <summary>The hash partitions the membership table is expected to have (PostgreSQL, by <c>portfolio_group_uid</c>); 0 for a plain table.</summary>
    int MembershipPartitions { get; }
}

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

    /// <summary>The partitions of a partitioned table (PostgreSQL's declarative partitioning); 0 for a plain table.</summary>
    public int Partitions { get; init; }

    /// <summary>The columns a hash-partitioned table is partitioned by; empty for a plain table.</summary>
    public IReadOnlyList<string> PartitionKey { get; init; } = [];
}
