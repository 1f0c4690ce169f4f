using System.Data;
using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>Creates portfolio, portfolio_group and portfolio_group_membership.</summary>
/// <remarks>Shipped: never edit; change the schema in a new migration.</remarks>
[Migration(Version, "Create portfolio, portfolio_group and portfolio_group_membership")]
internal sealed class M2026112301_CreatePortfolioTables(MigrationTarget target) : Migration
{
    public const long Version = 2026112301;

    public override void Up()
    {
        Create.Table("portfolio").InSchema(target.Schema)
            .WithColumn("uid").AsCustom(target.UuidType("uid")).NotNullable().PrimaryKey("pk_portfolio")
            .WithColumn("unique_identifier").AsString(255).NotNullable()
            .WithColumn("display_name").AsString(255).Nullable();
        Create.Index("ux_portfolio_unique_identifier").OnTable("portfolio").InSchema(target.Schema)
            .OnColumn("unique_identifier").Ascending().WithOptions().Unique();

        Create.Table("portfolio_group").InSchema(target.Schema)
            .WithColumn("uid").AsCustom(target.UuidType("uid")).NotNullable().PrimaryKey("pk_portfolio_group")
            .WithColumn("unique_identifier").AsString(255).NotNullable()
            .WithColumn("display_name").AsString(255).NotNullable()
            .WithColumn("description").AsString().Nullable()
            .WithColumn("metadata_json").AsCustom(target.JsonObjectType("metadata_json")).Nullable();
        Create.Index("ux_portfolio_group_unique_identifier").OnTable("portfolio_group").InSchema(target.Schema)
            .OnColumn("unique_identifier").Ascending().WithOptions().Unique();

        Create.Table("portfolio_group_membership").InSchema(target.Schema)
            .WithColumn("uid").AsCustom(target.UuidType("uid")).NotNullable().PrimaryKey("pk_portfolio_group_membership")
            .WithColumn("portfolio_group_uid").AsCustom(target.UuidType("portfolio_group_uid")).NotNullable()
                .ForeignKey("fk_portfolio_group_membership_group", target.Schema, "portfolio_group", "uid").OnDelete(Rule.Cascade)
            .WithColumn("portfolio_uid").AsCustom(target.UuidType("portfolio_uid")).NotNullable()
                .ForeignKey("fk_portfolio_group_membership_portfolio", target.Schema, "portfolio", "uid").OnDelete(Rule.Cascade);
        Create.Index("ux_portfolio_group_membership_pair").OnTable("portfolio_group_membership").InSchema(target.Schema)
            .OnColumn("portfolio_group_uid").Ascending()
            .OnColumn("portfolio_uid").Ascending()
            .WithOptions().Unique();
        Create.Index("ix_portfolio_group_membership_group").OnTable("portfolio_group_membership").InSchema(target.Schema)
            .OnColumn("portfolio_group_uid").Ascending();
        Create.Index("ix_portfolio_group_membership_portfolio").OnTable("portfolio_group_membership").InSchema(target.Schema)
            .OnColumn("portfolio_uid").Ascending();
    }

    public override void Down()
    {
        Delete.Table("portfolio_group_membership").InSchema(target.Schema);
        Delete.Table("portfolio_group").InSchema(target.Schema);
        Delete.Table("portfolio").InSchema(target.Schema);
    }
}
