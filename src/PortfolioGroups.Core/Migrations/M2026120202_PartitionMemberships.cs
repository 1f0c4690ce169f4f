using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>
/// PostgreSQL, with <see cref="PortfolioStoreOptions.PostgresMembershipPartitions"/> above 0: makes
/// <c>portfolio_group_membership</c> hash-partitioned by <c>portfolio_group_uid</c> into that many
/// partitions, every row, foreign key, index, trigger and the history kept
/// (<see cref="MembershipPartitioning"/>). With the option at 0, and on SQLite, it changes nothing.
/// </summary>
/// <remarks>
/// A new database so gets the partitioned table from its first migration run. A database that
/// applied this version with the option at 0 keeps its plain table until
/// <see cref="PortfolioStore.RepartitionMembershipsAsync"/> rebuilds it. <c>Down()</c> rebuilds a
/// partitioned table into one plain table (and leaves a plain one alone), whatever the option.
/// </remarks>
[Migration(Version, "Hash-partition portfolio_group_membership by portfolio_group_uid when PostgresMembershipPartitions is set")]
internal sealed class M2026120202_PartitionMemberships(MigrationTarget target) : Migration
{
    public const long Version = 2026120202;

    public override void Up()
    {
        if (target.Database.CanAddConstraints && target.Database.MembershipPartitions > 0)
        {
            Execute.Sql(MembershipPartitioning.RebuildSql(target.Schema!, target.Database.MembershipPartitions));
        }
    }

    public override void Down()
    {
        if (target.Database.CanAddConstraints)
        {
            Execute.Sql(MembershipPartitioning.RebuildSql(target.Schema!, 0));
        }
    }
}
