using FluentMigrator;
using FluentMigrator.Runner.Initialization;
using FluentMigrator.Runner.VersionTableInfo;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>The library's migrations, and nothing from any other assembly the host has loaded.</summary>
internal sealed class LibraryMigrationSource(MigrationTarget target) : IFilteringMigrationSource
{
    /// <summary>Every migration version the library ships, in order.</summary>
    public static IReadOnlyList<long> Versions { get; } =
        [M2026112301_CreatePortfolioTables.Version, M2026112302_CreateCatalog.Version, M2026112901_DropMembershipGroupIndex.Version, M2026112902_DatabaseEnforcesRowRules.Version,
        M2026120101_DatabaseChecksUidShapeAndMetadataDepth.Version, M2026120102_MembershipHistory.Version, M2026120201_HistoryIdentifierIndexes.Version,
        M2026120202_PartitionMemberships.Version, M2026120203_HistoryFillFactor.Version, M2026120204_HistoryOrderIndexes.Version,
        M2026120205_HistoryCloseByMembershipIndex.Version, M2026120206_GroupDeletionHistory.Version, M2026120207_HistoryIdentifierTable.Version,
        M2026120208_GroupDeletionReadsGroupIndex.Version, M2026120301_HistoryIdentifiersFromDistinctKeys.Version, M2026120302_HistoryCloseByPairIndex.Version,
        M2026120303_HistoryCloseLatestOfPair.Version, M2026120401_HistoryJoinsByIndex.Version];

    /// <summary>The version that creates the MetaTables.</summary>
    public static long MetaTablesVersion => M2026112301_CreatePortfolioTables.Version;

    /// <summary>The version that creates the catalog table.</summary>
    public static long CatalogVersion => M2026112302_CreateCatalog.Version;

    /// <summary>The version that creates the membership history.</summary>
    public static long HistoryVersion => M2026120102_MembershipHistory.Version;

    /// <summary>The version that creates the group deletions (<see cref="SchemaModel.PortfolioGroupDeletionHistory"/>).</summary>
    public static long DeletionHistoryVersion => M2026120206_GroupDeletionHistory.Version;

    /// <summary>The version that creates the history's identifiers (<see cref="SchemaModel.PortfolioGroupMembershipHistoryIdentifier"/>).</summary>
    public static long HistoryIdentifierVersion => M2026120207_HistoryIdentifierTable.Version;

    /// <summary>
    /// The tables the catalog describes at <paramref name="schemaVersion"/>: the MetaTables (with a
    /// host's portfolio table, as mapped: <see cref="SchemaModel.MetaTablesFor"/>), the
    /// membership history once it exists, the group deletions and the history's identifiers once they exist.
    /// </summary>
    public static IEnumerable<TableModel> CatalogTables(long schemaVersion, PortfolioTable portfolioTable)
    {
        var metaTables = SchemaModel.MetaTablesFor(portfolioTable);
        return schemaVersion >= HistoryIdentifierVersion ? [.. metaTables, SchemaModel.PortfolioGroupMembershipHistory, SchemaModel.PortfolioGroupDeletionHistory, SchemaModel.PortfolioGroupMembershipHistoryIdentifier]
            : schemaVersion >= DeletionHistoryVersion ? [.. metaTables, SchemaModel.PortfolioGroupMembershipHistory, SchemaModel.PortfolioGroupDeletionHistory]
            : schemaVersion >= HistoryVersion ? [.. metaTables, SchemaModel.PortfolioGroupMembershipHistory]
            : metaTables;
    }

    /// <remarks>
    /// The one place that picks the set: where the portfolios are a host's table
    /// (<see cref="PortfolioTable.Existing"/>), the versions that touch the portfolio table are
    /// their host-mode twins (<c>HostPortfolioMigrations.cs</c>), which leave the host's table alone;
    /// 2026120101 is one class for both, its SQLite rebuild leaving out the host's table.
    /// </remarks>
    public IEnumerable<IMigration> GetMigrations() => target.Database.OwnsPortfolioTable
        ?
        [
            new M2026112301_CreatePortfolioTables(target),
            new M2026112302_CreateCatalog(target),
            new M2026112901_DropMembershipGroupIndex(target),
            new M2026112902_DatabaseEnforcesRowRules(target),
            new M2026120101_DatabaseChecksUidShapeAndMetadataDepth(target),
            new M2026120102_MembershipHistory(target),
            new M2026120201_HistoryIdentifierIndexes(target),
            new M2026120202_PartitionMemberships(target),
            new M2026120203_HistoryFillFactor(target),
            new M2026120204_HistoryOrderIndexes(target),
            new M2026120205_HistoryCloseByMembershipIndex(target),
            new M2026120206_GroupDeletionHistory(target),
            new M2026120207_HistoryIdentifierTable(target),
            new M2026120208_GroupDeletionReadsGroupIndex(target),
            new M2026120301_HistoryIdentifiersFromDistinctKeys(target),
            new M2026120302_HistoryCloseByPairIndex(target),
            new M2026120303_HistoryCloseLatestOfPair(target),
            new M2026120401_HistoryJoinsByIndex(target),
        ]
        :
        [
            new H2026112301_CreateGroupTables(target),
            new M2026112302_CreateCatalog(target),
            new M2026112901_DropMembershipGroupIndex(target),
            new H2026112902_DatabaseEnforcesRowRules(target),
            new M2026120101_DatabaseChecksUidShapeAndMetadataDepth(target),
            new M2026120102_MembershipHistory(target),
            new M2026120201_HistoryIdentifierIndexes(target),
            new M2026120202_PartitionMemberships(target),
            new M2026120203_HistoryFillFactor(target),
            new M2026120204_HistoryOrderIndexes(target),
            new M2026120205_HistoryCloseByMembershipIndex(target),
            new M2026120206_GroupDeletionHistory(target),
            new M2026120207_HistoryIdentifierTable(target),
            new M2026120208_GroupDeletionReadsGroupIndex(target),
            new M2026120301_HistoryIdentifiersFromDistinctKeys(target),
            new M2026120302_HistoryCloseByPairIndex(target),
            new M2026120303_HistoryCloseLatestOfPair(target),
            new M2026120401_HistoryJoinsByIndex(target),
        ];

    public IEnumerable<IMigration> GetMigrations(Func<Type, bool> predicate) =>
        GetMigrations().Where(m => predicate(m.GetType()));
}

/// <summary>
/// The library's own migration history table, so it can share a database with a host
/// application's own FluentMigrator history (<c>VersionInfo</c>) without collision.
/// </summary>
internal sealed class LibraryVersionTable(string? schema) : IVersionTableMetaData
{
    public bool OwnsSchema => false;

    public string SchemaName => schema ?? string.Empty;

    public string TableName => SchemaModel.VersionTableName;

    public string ColumnName => "version";

    public string DescriptionColumnName => "description";

    public string UniqueIndexName => "ux_portfoliogroups_version_info_version";

    public string AppliedOnColumnName => "applied_on";

    public bool CreateWithPrimaryKey => false;
}
