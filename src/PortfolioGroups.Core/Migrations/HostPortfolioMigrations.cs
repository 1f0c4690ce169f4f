using System.Data;
using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// The migrations of a store whose portfolios are a host's table (<see cref="PortfolioTable.Existing"/>),
/// under the library's version numbers: the same group, membership and catalog tables as the
/// library's own migrations, with the membership's portfolio foreign key pointing at the host's
/// table. None of them creates, alters or drops the host's table; a down migration leaves it as
/// it was. The versions that do not touch the portfolio table are the library's own migrations
/// (<see cref="LibraryMigrationSource"/> picks the set).
/// </summary>
/// <remarks>Shipped with the library's set of the same version: never edit; change the schema in a new migration (for both sets).</remarks>
[Migration(M2026112301_CreatePortfolioTables.Version, "Create portfolio_group and portfolio_group_membership (portfolios in the host's table)")]
internal sealed class H2026112301_CreateGroupTables(MigrationTarget target) : Migration
{
    public override void Up()
    {
        var host = target.Database;
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
                .ForeignKey("fk_portfolio_group_membership_portfolio", host.PortfolioTableSchema, host.PortfolioTableName, host.PortfolioTable.UidColumn).OnDelete(Rule.Cascade);
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
    }
}

/// <summary>
/// The rules of <see cref="M2026112902_DatabaseEnforcesRowRules"/> for the library's tables only
/// (the group's identifier and display-name CHECKs, a default uid for groups and memberships); the
/// host's table keeps its own rules. SQLite rebuilds the group and membership tables, the
/// membership's foreign key still pointing at the host's table.
/// </summary>
[Migration(M2026112902_DatabaseEnforcesRowRules.Version, "CHECK constraints for group identifiers and display names; a default uid (portfolios in the host's table)")]
internal sealed class H2026112902_DatabaseEnforcesRowRules(MigrationTarget target) : Migration
{
    private readonly M2026112902_DatabaseEnforcesRowRules _rules = new(target);

    public override void Up() => Apply(withRules: true);

    public override void Down() => Apply(withRules: false);

    private void Apply(bool withRules)
    {
        var group = SchemaModel.PortfolioGroup;
        if (target.Database.CanAddConstraints)
        {
            var groupTable = Qualified(group.PhysicalName);
            var uniqueIdentifierCheck = M2026112902_DatabaseEnforcesRowRules.CheckName(group, "unique_identifier");
            var displayNameCheck = M2026112902_DatabaseEnforcesRowRules.CheckName(group, "display_name");
            Execute.Sql(withRules
                ? $"ALTER TABLE {groupTable} ADD CONSTRAINT {uniqueIdentifierCheck} CHECK ({_rules.IdentifierRule("unique_identifier")}), "
                  + $"ADD CONSTRAINT {displayNameCheck} CHECK ({_rules.DisplayNameRule("display_name")})"
                : $"ALTER TABLE {groupTable} DROP CONSTRAINT {uniqueIdentifierCheck}, DROP CONSTRAINT {displayNameCheck}");
            foreach (var table in new[] { group, SchemaModel.PortfolioGroupMembership })
            {
                Execute.Sql($"ALTER TABLE {Qualified(table.PhysicalName)} ALTER COLUMN uid " + (withRules ? $"SET DEFAULT {target.Database.RandomUidDefault}" : "DROP DEFAULT"));
            }

            return;
        }

        string Uid(string column, bool primary) =>
            $"\"{column}\" {target.UuidType(column)} NOT NULL" + (primary && withRules ? $" DEFAULT {target.Database.RandomUidDefault}" : "");
        string Rule(string column, string rule) => withRules ? $" CONSTRAINT {M2026112902_DatabaseEnforcesRowRules.CheckName(group, column)} CHECK ({rule})" : "";

        Rebuild(
            group.PhysicalName,
            $"{Uid("uid", primary: true)}, "
            + $"\"unique_identifier\" TEXT NOT NULL{Rule("unique_identifier", _rules.IdentifierRule("unique_identifier"))}, "
            + $"\"display_name\" TEXT NOT NULL{Rule("display_name", _rules.DisplayNameRule("display_name"))}, "
            + "\"description\" TEXT, "
            + $"\"metadata_json\" {target.JsonObjectType("metadata_json")}, "
            + "CONSTRAINT \"pk_portfolio_group\" PRIMARY KEY (\"uid\")",
            "\"uid\", \"unique_identifier\", \"display_name\", \"description\", \"metadata_json\"",
            "CREATE UNIQUE INDEX \"ux_portfolio_group_unique_identifier\" ON \"portfolio_group\" (\"unique_identifier\" ASC)");

        var host = target.Database;
        Rebuild(
            SchemaModel.PortfolioGroupMembership.PhysicalName,
            $"{Uid("uid", primary: true)}, {Uid("portfolio_group_uid", primary: false)}, {Uid("portfolio_uid", primary: false)}, "
            + "CONSTRAINT \"pk_portfolio_group_membership\" PRIMARY KEY (\"uid\"), "
            + "CONSTRAINT \"fk_portfolio_group_membership_group\" FOREIGN KEY (\"portfolio_group_uid\") REFERENCES \"portfolio_group\" (\"uid\") ON DELETE CASCADE, "
            + $"CONSTRAINT \"fk_portfolio_group_membership_portfolio\" FOREIGN KEY (\"portfolio_uid\") REFERENCES \"{host.PortfolioTableName}\" (\"{host.PortfolioTable.UidColumn}\") ON DELETE CASCADE",
            "\"uid\", \"portfolio_group_uid\", \"portfolio_uid\"",
            "CREATE UNIQUE INDEX \"ux_portfolio_group_membership_pair\" ON \"portfolio_group_membership\" (\"portfolio_group_uid\" ASC, \"portfolio_uid\" ASC); "
            + "CREATE INDEX \"ix_portfolio_group_membership_portfolio\" ON \"portfolio_group_membership\" (\"portfolio_uid\" ASC)");
    }

    private string Qualified(string table) => target.Schema is { } schema ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"";

    private void Rebuild(string table, string definition, string columns, string indexes)
    {
        var rebuilt = table + "_rebuilt";
        Execute.Sql(
            $"CREATE TABLE \"{rebuilt}\" ({definition}); "
            + $"INSERT INTO \"{rebuilt}\" ({columns}) SELECT {columns} FROM \"{table}\"; "
            + $"DROP TABLE \"{table}\"; "
            + $"ALTER TABLE \"{rebuilt}\" RENAME TO \"{table}\"; "
            + indexes);
    }
}
