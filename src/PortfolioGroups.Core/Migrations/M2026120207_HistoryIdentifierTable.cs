using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// The unique identifiers the membership history records get a table of their own,
/// <c>portfolio_group_membership_history_identifier</c>: one row per group or portfolio uid and
/// identifier the history has recorded, kept by two triggers on <c>portfolio_group_membership</c>
/// (after insert, and after an update that changes a row's uid, group or portfolio). The two indexes
/// of 2026120201 on the history's identifier columns are dropped: a read that names a group or
/// portfolio by an identifier it had then finds its uids in the new table, then the intervals through
/// the history's uid indexes, keeping those that recorded that identifier.
/// </summary>
/// <remarks>
/// Why: the two indexes held one entry per interval, so every membership written paid two more index
/// entries in the history (on SQLite the portfolio's alone about a third of a bulk add's time), while
/// the new table holds one row per group or portfolio and identifier, and a write whose groups and
/// portfolios it already holds only looks them up. The table may hold more than the history needs
/// (nothing removes a row when intervals are pruned); a read filters the intervals by the identifier
/// they recorded, so an extra row costs a lookup, never a wrong answer. PostgreSQL: statement-level
/// triggers with transition tables, so a bulk write adds the table's rows by one statement, in the
/// table's key order (so two writers that add the same new rows take them in one order). SQLite: row
/// triggers, one statement per membership. <c>Down()</c> drops the triggers (and on PostgreSQL their
/// functions) and the table, and creates the two indexes again. Shipped: never edit; change the schema
/// in a new migration.
/// </remarks>
[Migration(Version, "A table of the identifiers the membership history recorded, in place of its two identifier indexes")]
internal sealed class M2026120207_HistoryIdentifierTable(MigrationTarget target) : Migration
{
    public const long Version = 2026120207;

    private const string History = "portfolio_group_membership_history";

    private const string Membership = "portfolio_group_membership";

    private static TableModel Identifiers => SchemaModel.PortfolioGroupMembershipHistoryIdentifier;

    public override void Up()
    {
        var postgres = target.Database.CanAddConstraints;
        Execute.Sql(postgres
            ? $"CREATE TABLE {Qualified(Identifiers.PhysicalName)} ("
              + $"identifier_id bigint GENERATED ALWAYS AS IDENTITY, side varchar({SchemaModel.MaxSideLength}) NOT NULL, "
              + $"unique_identifier varchar({SchemaModel.MaxNameLength}) NOT NULL, uid uuid NOT NULL, "
              + $"CONSTRAINT \"{Identifiers.PrimaryKeyName}\" PRIMARY KEY (identifier_id))"
            : $"CREATE TABLE \"{Identifiers.PhysicalName}\" ("
              + "\"identifier_id\" INTEGER NOT NULL, \"side\" TEXT NOT NULL, \"unique_identifier\" TEXT NOT NULL, \"uid\" TEXT NOT NULL, "
              + $"CONSTRAINT \"{Identifiers.PrimaryKeyName}\" PRIMARY KEY (\"identifier_id\"))");
        foreach (var index in Identifiers.Indexes)
        {
            Execute.Sql($"CREATE {(index.IsUnique ? "UNIQUE " : "")}INDEX \"{index.Name}\" ON {Qualified(Identifiers.PhysicalName)} ({string.Join(", ", index.Columns.Select(c => $"\"{c}\""))})");
        }

        // What the history holds already, then the triggers that keep it.
        Execute.Sql(
            $"INSERT INTO {Qualified(Identifiers.PhysicalName)} (side, unique_identifier, uid) "
            + $"SELECT '{SchemaModel.GroupSide}', group_unique_identifier, portfolio_group_uid FROM {Qualified(History)} "
            + $"UNION SELECT '{SchemaModel.PortfolioSide}', portfolio_unique_identifier, portfolio_uid FROM {Qualified(History)} "
            + "ORDER BY 1, 2, 3");

        var (onInsert, onUpdate) = (SchemaModel.HistoryIdentifierTriggers[0], SchemaModel.HistoryIdentifierTriggers[1]);
        if (postgres)
        {
            Function(onInsert, Record("new_rows"), $"AFTER INSERT ON {Qualified(Membership)} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT");
            Function(
                onUpdate,
                Record("(SELECT uid, portfolio_group_uid, portfolio_uid FROM new_rows EXCEPT SELECT uid, portfolio_group_uid, portfolio_uid FROM old_rows)"),
                $"AFTER UPDATE ON {Qualified(Membership)} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT");
        }
        else
        {
            Execute.Sql($"CREATE TRIGGER \"{onInsert}\" AFTER INSERT ON \"{Membership}\" BEGIN {SqliteRecord} END");
            Execute.Sql(
                $"CREATE TRIGGER \"{onUpdate}\" AFTER UPDATE ON \"{Membership}\" "
                + "WHEN NEW.uid IS NOT OLD.uid OR NEW.portfolio_group_uid IS NOT OLD.portfolio_group_uid OR NEW.portfolio_uid IS NOT OLD.portfolio_uid "
                + $"BEGIN {SqliteRecord} END");
        }

        foreach (var (name, _) in M2026120201_HistoryIdentifierIndexes.Indexes)
        {
            Delete.Index(name).OnTable(History).InSchema(target.Schema);
        }

        void Function(string name, string body, string when) =>
            Execute.Sql(
                $"CREATE FUNCTION {Qualified(name)}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN {body} RETURN NULL; END $body$; "
                + $"CREATE TRIGGER \"{name}\" {when} EXECUTE FUNCTION {Qualified(name)}()");
    }

    public override void Down()
    {
        foreach (var name in SchemaModel.HistoryIdentifierTriggers)
        {
            Execute.Sql(target.Database.CanAddConstraints
                ? $"DROP TRIGGER \"{name}\" ON {Qualified(Membership)}; DROP FUNCTION {Qualified(name)}()"
                : $"DROP TRIGGER \"{name}\"");
        }

        Execute.Sql($"DROP TABLE {Qualified(Identifiers.PhysicalName)}");
        foreach (var (name, column) in M2026120201_HistoryIdentifierIndexes.Indexes)
        {
            Create.Index(name).OnTable(History).InSchema(target.Schema)
                .OnColumn(column).Ascending()
                .OnColumn("valid_from").Ascending();
        }
    }

    private string Qualified(string name) => target.Schema is { } schema ? $"\"{schema}\".\"{name}\"" : $"\"{name}\"";

    /// <summary>
    /// PostgreSQL: the identifiers, as the group and portfolio rows have them now (what the history's
    /// triggers record for the same rows), of the groups and portfolios of the memberships in
    /// <paramref name="rows"/> that the table does not hold yet. The portfolios are read through
    /// <c>Database.Portfolio</c>, so a host's mapped portfolio table is read by its own columns.
    /// </summary>
    private string Record(string rows) =>
        $"INSERT INTO {Qualified(Identifiers.PhysicalName)} (side, unique_identifier, uid) "
        + $"SELECT '{SchemaModel.GroupSide}', g.unique_identifier, g.uid FROM {Qualified("portfolio_group")} g WHERE g.uid IN (SELECT m.portfolio_group_uid FROM {rows} m) "
        + $"UNION SELECT '{SchemaModel.PortfolioSide}', p.unique_identifier, p.uid FROM {target.Database.Portfolio} p WHERE p.uid IN (SELECT m.portfolio_uid FROM {rows} m) "
        + "ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING;";

    /// <summary>
    /// SQLite: the identifiers of the new row's group and portfolio, each unless the table holds it
    /// already (a lookup, not a conflict clause, which an outer <c>INSERT OR ...</c> would override).
    /// </summary>
    private string SqliteRecord =>
        $"INSERT INTO \"{Identifiers.PhysicalName}\" (side, unique_identifier, uid) "
        + $"SELECT '{SchemaModel.GroupSide}', g.unique_identifier, g.uid FROM \"portfolio_group\" g WHERE g.uid = NEW.portfolio_group_uid "
        + $"AND NOT EXISTS (SELECT 1 FROM \"{Identifiers.PhysicalName}\" i WHERE i.side = '{SchemaModel.GroupSide}' AND i.unique_identifier = g.unique_identifier AND i.uid = g.uid) "
        + $"UNION ALL SELECT '{SchemaModel.PortfolioSide}', p.unique_identifier, p.uid FROM {target.Database.Portfolio} p WHERE p.uid = NEW.portfolio_uid "
        + $"AND NOT EXISTS (SELECT 1 FROM \"{Identifiers.PhysicalName}\" i WHERE i.side = '{SchemaModel.PortfolioSide}' AND i.unique_identifier = p.unique_identifier AND i.uid = p.uid);";
}
