using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Makes the database refuse two more kinds of row the library would refuse, for every client:
/// metadata nested deeper than the library writes (64 levels), on both databases; and, on SQLite,
/// a uid that is not a canonical lower-case UUID (<c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>),
/// where the earlier CHECK tested only the length and the case.
/// </summary>
/// <remarks>
/// PostgreSQL adds a CHECK on <c>portfolio_group.metadata_json</c> (its uid columns are uuid
/// already), checking every existing row. SQLite cannot add a CHECK to a table, so the three tables
/// are rebuilt as migration 2026112902 rebuilt them, every row copied, with the uid columns
/// checked for the whole shape; and as a SQLite CHECK cannot hold a subquery, the metadata depth is
/// tested by <c>BEFORE INSERT</c> and <c>BEFORE UPDATE</c> triggers that abort the statement. A row
/// an outside writer left that breaks a rule fails the migration, which then changes nothing.
/// <c>Down()</c> returns to the rules of 2026112902.
/// Where the portfolios are a host's table (<see cref="PortfolioTable.Existing"/>), the host's
/// table is never touched: no rebuild, no CHECK, no trigger on it; SQLite rebuilds the group and
/// membership tables only, the membership's foreign key still pointing at the host's table.
/// </remarks>
[Migration(Version, "CHECK the uid shape on SQLite; refuse metadata nested deeper than 64 levels")]
internal sealed class M2026120101_DatabaseChecksUidShapeAndMetadataDepth(MigrationTarget target) : Migration
{
    public const long Version = 2026120101;

    /// <summary>The deepest metadata the library writes (its guard re-reads metadata with System.Text.Json's default depth).</summary>
    public const int MetadataMaxDepth = 64;

    private const string DepthCheck = SchemaModel.MetadataDepthRule;

    // The characters .NET's string.Trim removes (Unicode White_Space), as in migration 2026112902.
    private const string Whitespace =
        " \t\n\u000B\f\r\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000";

    // Control characters (Unicode category Cc) except U+0000, as in migration 2026112902.
    private const string ControlRanges = "\u0001-\u001F\u007F-\u009F";

    // Named after the rule, as the drift check reads them: the insert trigger, then the update trigger.
    private static readonly string[] DepthTriggerNames = [.. SchemaModel.RuleTriggerSuffixes.Select(suffix => DepthCheck + suffix)];

    public override void Up()
    {
        if (target.Database.CanAddConstraints)
        {
            Execute.Sql(
                $"ALTER TABLE {Qualified(SchemaModel.PortfolioGroup.PhysicalName)} ADD CONSTRAINT {DepthCheck} "
                + $"CHECK (metadata_json IS NULL OR NOT {target.Database.JsonDeeperThan("metadata_json", MetadataMaxDepth)})");
            return;
        }

        RebuildSqliteTables(uidShape: true);
    }

    public override void Down()
    {
        if (target.Database.CanAddConstraints)
        {
            Execute.Sql($"ALTER TABLE {Qualified(SchemaModel.PortfolioGroup.PhysicalName)} DROP CONSTRAINT IF EXISTS {DepthCheck}");
            return;
        }

        foreach (var trigger in DepthTriggerNames)
        {
            Execute.Sql($"DROP TRIGGER IF EXISTS \"{trigger}\"");
        }

        RebuildSqliteTables(uidShape: false);
    }

    private string Qualified(string table) => target.Schema is { } schema ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"";

    private string IdentifierRule(string column) =>
        $"{column} <> '' AND length({column}) <= {SchemaModel.MaxNameLength} AND {target.Database.TrimCharacters(column, Whitespace)} = {column} "
        + $"AND {target.Database.HasNoCharacterIn(column, ControlRanges)}";

    private string DisplayNameRule(string column) =>
        $"{column} IS NULL OR (length({column}) <= {SchemaModel.MaxNameLength} AND {target.Database.TrimCharacters(column, Whitespace)} <> '')";

    private static string CheckName(TableModel table, string column) => $"ck_{table.PhysicalName}_{column}";

    /// <summary>
    /// SQLite: the three tables rebuilt with the rules of 2026112902, and with <paramref name="uidShape"/>
    /// every uid column checked for the whole canonical shape (without it, as 2026112902 left them:
    /// the length and the case only). Every row and foreign key kept; the migrator runs with foreign
    /// keys off and checks them all afterwards.
    /// </summary>
    private void RebuildSqliteTables(bool uidShape)
    {
        string Uid(string column, bool primary) =>
            $"\"{column}\" {target.UuidType(column)} NOT NULL"
            + (uidShape ? $" CHECK ({target.Database.UuidShapeRule(column)})" : "")
            + (primary ? $" DEFAULT {target.Database.RandomUidDefault}" : "");
        string Rule(TableModel table, string column, string rule) => $" CONSTRAINT {CheckName(table, column)} CHECK ({rule})";

        var database = target.Database;
        var portfolio = SchemaModel.Portfolio;
        if (database.OwnsPortfolioTable)
        {
            Rebuild(
                portfolio.PhysicalName,
                $"{Uid("uid", primary: true)}, "
                + $"\"unique_identifier\" TEXT NOT NULL{Rule(portfolio, "unique_identifier", IdentifierRule("unique_identifier"))}, "
                + $"\"display_name\" TEXT{Rule(portfolio, "display_name", DisplayNameRule("display_name"))}, "
                + "CONSTRAINT \"pk_portfolio\" PRIMARY KEY (\"uid\")",
                "\"uid\", \"unique_identifier\", \"display_name\"",
                "CREATE UNIQUE INDEX \"ux_portfolio_unique_identifier\" ON \"portfolio\" (\"unique_identifier\" ASC)");
        }

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
            "CREATE UNIQUE INDEX \"ux_portfolio_group_unique_identifier\" ON \"portfolio_group\" (\"unique_identifier\" ASC)",
            uidShape ? DepthTriggers(group.PhysicalName + "_rebuilt") : "");

        Rebuild(
            SchemaModel.PortfolioGroupMembership.PhysicalName,
            $"{Uid("uid", primary: true)}, {Uid("portfolio_group_uid", primary: false)}, {Uid("portfolio_uid", primary: false)}, "
            + "CONSTRAINT \"pk_portfolio_group_membership\" PRIMARY KEY (\"uid\"), "
            + "CONSTRAINT \"fk_portfolio_group_membership_group\" FOREIGN KEY (\"portfolio_group_uid\") REFERENCES \"portfolio_group\" (\"uid\") ON DELETE CASCADE, "
            + $"CONSTRAINT \"fk_portfolio_group_membership_portfolio\" FOREIGN KEY (\"portfolio_uid\") REFERENCES \"{database.PortfolioTableName}\" (\"{database.PortfolioTable.UidColumn}\") ON DELETE CASCADE",
            "\"uid\", \"portfolio_group_uid\", \"portfolio_uid\"",
            "CREATE UNIQUE INDEX \"ux_portfolio_group_membership_pair\" ON \"portfolio_group_membership\" (\"portfolio_group_uid\" ASC, \"portfolio_uid\" ASC); "
            + "CREATE INDEX \"ix_portfolio_group_membership_portfolio\" ON \"portfolio_group_membership\" (\"portfolio_uid\" ASC)");
    }

    /// <summary>
    /// The triggers that refuse deeper metadata (a SQLite CHECK cannot hold the subquery that
    /// measures it), created on the rebuilt table before the rows are copied into it, so every
    /// existing row is checked too; a rename takes them along.
    /// </summary>
    private string DepthTriggers(string table)
    {
        var deeper = target.Database.JsonDeeperThan("NEW.metadata_json", MetadataMaxDepth);
        var abort = $"SELECT RAISE(ABORT, 'CHECK constraint failed: {DepthCheck}: metadata_json must nest at most {MetadataMaxDepth} levels of objects and arrays');";
        return $"CREATE TRIGGER \"{DepthTriggerNames[0]}\" BEFORE INSERT ON \"{table}\" WHEN NEW.metadata_json IS NOT NULL AND {deeper} BEGIN {abort} END; "
            + $"CREATE TRIGGER \"{DepthTriggerNames[1]}\" BEFORE UPDATE OF metadata_json ON \"{table}\" WHEN NEW.metadata_json IS NOT NULL AND {deeper} BEGIN {abort} END; ";
    }

    private void Rebuild(string table, string definition, string columns, string indexes, string beforeCopy = "")
    {
        var rebuilt = table + "_rebuilt";
        Execute.Sql(
            $"CREATE TABLE \"{rebuilt}\" ({definition}); "
            + beforeCopy
            + $"INSERT INTO \"{rebuilt}\" ({columns}) SELECT {columns} FROM \"{table}\"; "
            + $"DROP TABLE \"{table}\"; "
            + $"ALTER TABLE \"{rebuilt}\" RENAME TO \"{table}\"; "
            + indexes);
    }
}
