using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Drops <c>ix_portfolio_group_membership_group</c>: the unique pair index
/// <c>ux_portfolio_group_membership_pair</c> already leads with <c>portfolio_group_uid</c>, so it
/// serves every lookup by group and the foreign key's cascade, and the second index only made
/// every membership write maintain one index more (decision record 0007).
/// </summary>
/// <remarks>Shipped: never edit; change the schema in a new migration.</remarks>
[Migration(Version, "Drop ix_portfolio_group_membership_group (the pair index leads with the group)")]
internal sealed class M2026112901_DropMembershipGroupIndex(MigrationTarget target) : Migration
{
    public const long Version = 2026112901;

    public override void Up()
    {
        Delete.Index("ix_portfolio_group_membership_group").OnTable("portfolio_group_membership").InSchema(target.Schema);
    }

    public override void Down()
    {
        Create.Index("ix_portfolio_group_membership_group").OnTable("portfolio_group_membership").InSchema(target.Schema)
            .OnColumn("portfolio_group_uid").Ascending();
    }
}
