using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Makes the database enforce what the library validates, for every client: unique identifiers
/// non-empty, trimmed, without control characters and at most 255 characters; display names not
/// blank and at most 255 characters (metadata was already checked to be a JSON object); and a
/// default <c>uid</c>, so an outside insert need not supply one.
/// </summary>
/// <remarks>
/// PostgreSQL adds the constraints and defaults to the tables, checking every existing row (a row
/// an outside writer left that breaks a rule fails the migration, which then changes nothing).
/// SQLite cannot add a CHECK to a table, so each table is rebuilt: a new table with the rules, every
/// row copied, the old one dropped and the new one renamed, indexes recreated. The migrator runs
/// with foreign keys off (a dropped parent would otherwise cascade into the memberships) and checks
/// them all afterwards (<c>PRAGMA foreign_key_check</c>). <c>Down()</c> removes the rules again.
/// </remarks>
[Migration(Version, "CHECK constraints for identifiers and display names; a default uid")]
internal sealed class M2026112902_DatabaseEnforcesRowRules(MigrationTarget target) : Migration
{
    public const long Version = 2026112902;

    // The characters .NET's string.Trim removes (Unicode White_Space), as the library trims identifiers.
    private const string Whitespace =
        " \t\n\u000B\f\r\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000";

    // Control characters (char.IsControl, Unicode category Cc) except U+0000, which no text can hold on PostgreSQL.
    private const string ControlRanges = "\u0001-\u001F\u007F-\u009F";

    public override void Up()
    {
        if (target.Database.CanAddConstraints)
        {
            foreach (var table in new[] { SchemaModel.Portfolio, SchemaModel.PortfolioGroup })
            {
                Execute.Sql(
                    $"ALTER TABLE {Qualified(table.PhysicalName)} "
                    + $"ADD CONSTRAINT {CheckName(table, "unique_identifier")} CHECK ({IdentifierRule("unique_identifier")}), "
                    + $"ADD CONSTRAINT {CheckName(table, "display_name")} CHECK ({DisplayNameRule("display_name")})");
            }

            foreach (var table in SchemaModel.MetaTables)
            {
                Execute.Sql($"ALTER TABLE {Qualified(table.PhysicalName)} ALTER COLUMN uid SET DEFAULT {target.Database.RandomUidDefault}");
            }

            return;
        }

        RebuildSqliteTables(withRules: true);
    }

    public override void Down()
    {
        if (target.Database.CanAddConstraints)
        {
            foreach (var table in new[] { SchemaModel.Portfolio, SchemaModel.PortfolioGroup })
            {
                Execute.Sql(
                    $"ALTER TABLE {Qualified(table.PhysicalName)} "
                    + $"DROP CONSTRAINT {CheckName(table, "unique_identifier")}, DROP CONSTRAINT {CheckName(table, "display_name")}");
            }

            foreach (var table in SchemaModel.MetaTables)
            {
                Execute.Sql($"ALTER TABLE {Qualified(table.PhysicalName)} ALTER COLUMN uid DROP DEFAULT");
            }

            return;
        }

        RebuildSqliteTables(withRules: false);
    }

    internal string IdentifierRule(string column) =>
        $"{column} <> '' AND length({column}) <= {SchemaModel.MaxNameLength} AND {target.Database.TrimCharacters(column, Whitespace)} = {column} "
        + $"AND {target.Database.HasNoCharacterIn(column, ControlRanges)}";

    internal string DisplayNameRule(string column) =>
        $"{column} IS NULL OR (length({column}) <= {SchemaModel.MaxNameLength} AND {target.Database.TrimCharacters(column, Whitespace)} <> '')";

    internal static string CheckName(TableModel table, string column) => $"ck_{table.PhysicalName}_{column}";

    private string Qualified(string table) => target.Schema is { } schema ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"";

    /// <summary>SQLite: each table rebuilt with (or without) the rules, every row and foreign key kept.</summary>
    private void RebuildSqliteTables(bool withRules)
    {
        string Uid(string column, bool primary) =>
            $"\"{column}\" {target.UuidType(column)} NOT NULL" + (primary && withRules ? $" DEFAULT {target.Database.RandomUidDefault}" : "");
        string Rule(TableModel table, string column, string rule) => withRules ? $" CONSTRAINT {CheckName(table, column)} CHECK ({rule})" : "";

        var portfolio = SchemaModel.Portfolio;
        Rebuild(
            portfolio.PhysicalName,
            $"{Uid("uid", primary: true)}, "
            + $"\"unique_identifier\" TEXT NOT NULL{Rule(portfolio, "unique_identifier", IdentifierRule("unique_identifier"))}, "
            + $"\"display_name\" TEXT{Rule(portfolio, "display_name", DisplayNameRule("display_name"))}, "
            + "CONSTRAINT \"pk_portfolio\" PRIMARY KEY (\"uid\")",
            "\"uid\", \"unique_identifier\", \"display_name\"",
            "CREATE UNIQUE INDEX \"ux_portfolio_unique_identifier\" ON \"portfolio\" (\"unique_identifier\" ASC)");

        var group = SchemaModel.PortfolioGroup;
        Rebuild(
            group.PhysicalName,
            $"{Uid("uid", primary: true)}, "
            + $"\"unique_identifier\" TEXT NOT NULL{Rule(group, "unique_identifier", IdentifierRule("unique_identifier"))}, "
            + $"\"display_name\" TEXT NOT NULL{Rule(group, "display_name", DisplayNameRule("display_name"))}, "
            + "\"description\" TEXT, "
            + $"\"metadata_json\" {target.JsonObjectType("metadata_json")}, "
            + "CONSTRAINT \"pk_portfolio_group\" PRIMARY KEY (\"uid\")",
            "\"uid\", \"unique_identifier\", \"display_name\", \"description\", \"metadata_json\"",
            "CREATE UNIQUE INDEX \"ux_portfolio_group_unique_identifier\" ON \"portfolio_group\" (\"unique_identifier\" ASC)");

        Rebuild(
            SchemaModel.PortfolioGroupMembership.PhysicalName,
            $"{Uid("uid", primary: true)}, {Uid("portfolio_group_uid", primary: false)}, {Uid("portfolio_uid", primary: false)}, "
            + "CONSTRAINT \"pk_portfolio_group_membership\" PRIMARY KEY (\"uid\"), "
            + "CONSTRAINT \"fk_portfolio_group_membership_group\" FOREIGN KEY (\"portfolio_group_uid\") REFERENCES \"portfolio_group\" (\"uid\") ON DELETE CASCADE, "
            + "CONSTRAINT \"fk_portfolio_group_membership_portfolio\" FOREIGN KEY (\"portfolio_uid\") REFERENCES \"portfolio\" (\"uid\") ON DELETE CASCADE",
            "\"uid\", \"portfolio_group_uid\", \"portfolio_uid\"",
            "CREATE UNIQUE INDEX \"ux_portfolio_group_membership_pair\" ON \"portfolio_group_membership\" (\"portfolio_group_uid\" ASC, \"portfolio_uid\" ASC); "
            + "CREATE INDEX \"ix_portfolio_group_membership_portfolio\" ON \"portfolio_group_membership\" (\"portfolio_uid\" ASC)");
    }

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
