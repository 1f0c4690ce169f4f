namespace PortfolioGroups;

/// <summary>The library's migration state in a database.</summary>
/// <param name="AppliedVersions">The versions applied, ascending.</param>
/// <param name="PendingVersions">The versions the library ships that are not applied, ascending.</param>
public sealed record MigrationStatus(IReadOnlyList<long> AppliedVersions, IReadOnlyList<long> PendingVersions)
{
    /// <summary>The latest applied version, or 0 when none is applied.</summary>
    public long CurrentVersion => AppliedVersions.Count == 0 ? 0 : AppliedVersions[^1];

    /// <summary>Whether every shipped migration is applied.</summary>
    public bool IsUpToDate => PendingVersions.Count == 0;
}

/// <summary>What a migration call did.</summary>
/// <param name="Ran">The versions this call applied (up) or reverted (down), in the order it ran them; empty when there was nothing to do.</param>
/// <param name="Status">The state after the call.</param>
public sealed record MigrationResult(IReadOnlyList<long> Ran, MigrationStatus Status);

/// <summary>One row of the catalog table: a MetaTable as recorded in the database.</summary>
/// <param name="MetaTableIdentifier">The logical identifier, such as <c>PortfolioGroup</c>.</param>
/// <param name="PhysicalName">The physical table name.</param>
/// <param name="Description">What the table holds.</param>
/// <param name="Columns">The columns with their labels and descriptions.</param>
/// <param name="SchemaVersion">The latest applied migration version when the row was written.</param>
public sealed record CatalogEntry(
    string MetaTableIdentifier,
    string PhysicalName,
    string Description,
    IReadOnlyList<CatalogColumn> Columns,
    long SchemaVersion);

/// <summary>A column as recorded in the catalog.</summary>
/// <param name="Name">The physical column name.</param>
/// <param name="Label">A short human-readable label.</param>
/// <param name="Description">What the column holds.</param>
/// <param name="Kind">The logical type (a <see cref="Schema.ColumnKind"/> name).</param>
/// <param name="IsNullable">Whether the column accepts null.</param>
/// <param name="MaxLength">The maximum length in characters, where bounded.</param>
public sealed record CatalogColumn(string Name, string Label, string Description, string Kind, bool IsNullable, int? MaxLength);
