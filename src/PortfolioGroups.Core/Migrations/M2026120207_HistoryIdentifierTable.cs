using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// The unique identifiers the membership history records get a table of their own,
/// <c>portfolio_group_membership_history_identifier</c>: one row per group or portfolio uid and
/// identifier the history has recorded, written by the history's insert trigger with the intervals
/// it opens, and by a new trigger after an update that changes a row's uid, group or portfolio. The
/// two indexes of 2026120201 on the history's identifier columns are dropped: a read that names a
/// group or portfolio by an identifier it had then finds its uids in the new table, then the
/// intervals through the history's uid indexes, keeping those that recorded that identifier.
/// </summary>
/// <remarks>
/// Why: the two indexes held one entry per interval, so every membership written paid two more index
/// entries in the history, while the new table holds one row per group or portfolio and identifier,
/// and a write whose groups and portfolios it already holds only looks them up. The table may hold
/// more than the history needs (nothing removes a row when intervals are pruned); a read filters the
/// intervals by the identifier they recorded, so an extra row costs a lookup, never a wrong answer.
/// PostgreSQL: the insert function is replaced in place (so the trigger, on a partitioned membership
/// table too, keeps calling it) by one statement that opens the intervals and records the
/// identifiers they recorded, in the table's key order (so two writers that add the same new rows
/// take them in one order); the update trigger is statement-level too. SQLite: the insert trigger is
/// made again with a second statement, an upsert (an outer <c>INSERT OR ...</c> does not override
/// its <c>DO NOTHING</c>). <c>Down()</c> puts 2026120102's insert trigger back, drops the update
/// trigger (and its function) and the table, and creates the two indexes again. Shipped: never
/// edit; change the schema in a new migration.
/// </remarks>
[Migration(Version, "A table of the identifiers the membership history recorded, in place of its two identifier indexes")]
internal sealed class M2026120207_HistoryIdentifierTable(MigrationTarget target) : Migration
{
    public const long Version = 2026120207;

    private const string History = "portfolio_group_membership_history";

    private const string Columns =
        "membership_uid, portfolio_group_uid, portfolio_uid, group_unique_identifier, portfolio_unique_identifier, valid_from";

    private const string PostgresNow = "transaction_timestamp()";

    private const string SqliteNow = "strftime('%Y-%m-%d %H:%M:%f', 'now')";

    private static TableModel Identifiers => SchemaModel.PortfolioGroupMembershipHistoryIdentifier;

    /// <summary>The database's names of the tables, qualified and quoted (unqualified on SQLite, as its trigger bodies need).</summary>
    private Storage.Database Db => target.Database;

    public override void Up()
    {
        var postgres = Db.CanAddConstraints;
        Execute.Sql(postgres
            ? $"CREATE TABLE {Db.HistoryIdentifiers} ("
              + $"identifier_id bigint GENERATED ALWAYS AS IDENTITY, side varchar({SchemaModel.MaxSideLength}) NOT NULL, "
              + $"unique_identifier varchar({SchemaModel.MaxNameLength}) NOT NULL, uid uuid NOT NULL, "
              + $"CONSTRAINT \"{Identifiers.PrimaryKeyName}\" PRIMARY KEY (identifier_id))"
            : $"CREATE TABLE {Db.HistoryIdentifiers} ("
              + "\"identifier_id\" INTEGER NOT NULL, \"side\" TEXT NOT NULL, \"unique_identifier\" TEXT NOT NULL, \"uid\" TEXT NOT NULL, "
              + $"CONSTRAINT \"{Identifiers.PrimaryKeyName}\" PRIMARY KEY (\"identifier_id\"))");
        foreach (var index in Identifiers.Indexes)
        {
            Execute.Sql($"CREATE {(index.IsUnique ? "UNIQUE " : "")}INDEX \"{index.Name}\" ON {Db.HistoryIdentifiers} ({string.Join(", ", index.Columns.Select(c => $"\"{c}\""))})");
        }

        // What the history holds already, then the triggers that keep it.
        Execute.Sql(
            $"INSERT INTO {Db.HistoryIdentifiers} (side, unique_identifier, uid) "
            + $"SELECT '{SchemaModel.GroupSide}', group_unique_identifier, portfolio_group_uid FROM {Db.MembershipHistory} "
            + $"UNION SELECT '{SchemaModel.PortfolioSide}', portfolio_unique_identifier, portfolio_uid FROM {Db.MembershipHistory} "
            + "ORDER BY 1, 2, 3");

        // The insert trigger records them with the intervals it opens; a trigger of its own records
        // those of an update that changes a row's uid, group or portfolio (which the history's update
        // trigger closes and opens again).
        var insertTrigger = SchemaModel.HistoryTriggers[0];
        var onUpdate = SchemaModel.HistoryIdentifierTriggers[0];
        if (postgres)
        {
            ReplaceInsertFunction(PostgresOpenAndRecord);
            Execute.Sql(
                $"CREATE FUNCTION {target.Qualified(onUpdate)}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN {PostgresRecordChanged} RETURN NULL; END $body$; "
                + $"CREATE TRIGGER \"{onUpdate}\" AFTER UPDATE ON {Db.Membership} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {target.Qualified(onUpdate)}()");
        }
        else
        {
            Execute.Sql($"DROP TRIGGER \"{insertTrigger}\"");
            Execute.Sql($"CREATE TRIGGER \"{insertTrigger}\" AFTER INSERT ON {Db.Membership} BEGIN {SqliteOpen} {SqliteRecord} END");
            Execute.Sql(
                $"CREATE TRIGGER \"{onUpdate}\" AFTER UPDATE ON {Db.Membership} "
                + "WHEN NEW.uid IS NOT OLD.uid OR NEW.portfolio_group_uid IS NOT OLD.portfolio_group_uid OR NEW.portfolio_uid IS NOT OLD.portfolio_uid "
                + $"BEGIN {SqliteRecord} END");
        }

        foreach (var (name, _) in M2026120201_HistoryIdentifierIndexes.Indexes)
        {
            Delete.Index(name).OnTable(History).InSchema(target.Schema);
        }
    }

    public override void Down()
    {
        var onUpdate = SchemaModel.HistoryIdentifierTriggers[0];
        if (Db.CanAddConstraints)
        {
            ReplaceInsertFunction(PostgresOpen + ";");
            Execute.Sql($"DROP TRIGGER \"{onUpdate}\" ON {Db.Membership}; DROP FUNCTION {target.Qualified(onUpdate)}()");
        }
        else
        {
            var insertTrigger = SchemaModel.HistoryTriggers[0];
            Execute.Sql($"DROP TRIGGER \"{insertTrigger}\"");
            Execute.Sql($"CREATE TRIGGER \"{insertTrigger}\" AFTER INSERT ON {Db.Membership} BEGIN {SqliteOpen} END");
            Execute.Sql($"DROP TRIGGER \"{onUpdate}\"");
        }

        Execute.Sql($"DROP TABLE {Db.HistoryIdentifiers}");
        foreach (var (name, column) in M2026120201_HistoryIdentifierIndexes.Indexes)
        {
            Create.Index(name).OnTable(History).InSchema(target.Schema)
                .OnColumn(column).Ascending()
                .OnColumn("valid_from").Ascending();
        }
    }

    /// <summary>
    /// PostgreSQL: 2026120102's opening of the intervals of the inserted rows (<c>new_rows</c>), with
    /// the identifiers the group and portfolio have now; the portfolios are read through
    /// <c>Database.Portfolio</c>, so a host's mapped portfolio table is read by its own columns.
    /// </summary>
    private string PostgresOpen =>
        $"INSERT INTO {Db.MembershipHistory} ({Columns}) "
        + $"SELECT m.uid, m.portfolio_group_uid, m.portfolio_uid, g.unique_identifier, p.unique_identifier, {PostgresNow} "
        + $"FROM new_rows m JOIN {Db.Group} g ON g.uid = m.portfolio_group_uid JOIN {Db.Portfolio} p ON p.uid = m.portfolio_uid ORDER BY m.uid";

    /// <summary>PostgreSQL: this version's insert function: the intervals opened, then their identifiers recorded, in one statement.</summary>
    internal string PostgresOpenAndRecord => PostgresOpenThen(PostgresRecord);

    /// <summary>
    /// PostgreSQL: one statement that opens the intervals, then runs <paramref name="record"/> over
    /// them (given the name of the opened rows, with their uids and identifiers).
    /// </summary>
    internal string PostgresOpenThen(Func<string, string> record) =>
        $"WITH opened AS ({PostgresOpen} RETURNING portfolio_group_uid, group_unique_identifier, portfolio_uid, portfolio_unique_identifier) {record("opened")}";

    /// <summary>
    /// PostgreSQL: the group and portfolio identifiers of the intervals in <paramref name="opened"/>
    /// that the table does not hold yet, in the table's key order.
    /// </summary>
    private string PostgresRecord(string opened) =>
        $"INSERT INTO {Db.HistoryIdentifiers} (side, unique_identifier, uid) "
        + $"SELECT '{SchemaModel.GroupSide}', o.group_unique_identifier, o.portfolio_group_uid FROM {opened} o "
        + $"UNION SELECT '{SchemaModel.PortfolioSide}', o.portfolio_unique_identifier, o.portfolio_uid FROM {opened} o "
        + "ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING;";

    /// <summary>
    /// PostgreSQL: the identifiers of the groups and portfolios of the rows an update changed (the
    /// rows the history's update trigger opens intervals for), as those rows have them now.
    /// </summary>
    internal string PostgresRecordChanged => PostgresRecord(PostgresChanged);

    /// <summary>PostgreSQL: the rows an update changed (uid, group or portfolio), with their group's and portfolio's identifiers now, as a subquery.</summary>
    internal string PostgresChanged =>
        "(SELECT g.uid AS portfolio_group_uid, g.unique_identifier AS group_unique_identifier, p.uid AS portfolio_uid, p.unique_identifier AS portfolio_unique_identifier "
        + "FROM (SELECT uid, portfolio_group_uid, portfolio_uid FROM new_rows EXCEPT SELECT uid, portfolio_group_uid, portfolio_uid FROM old_rows) m "
        + $"JOIN {Db.Group} g ON g.uid = m.portfolio_group_uid JOIN {Db.Portfolio} p ON p.uid = m.portfolio_uid)";

    /// <summary>Replaces the history's insert function in place, so the trigger (on a partitioned membership table too) keeps calling it.</summary>
    private void ReplaceInsertFunction(string body) =>
        Execute.Sql($"CREATE OR REPLACE FUNCTION {target.Qualified(SchemaModel.HistoryTriggers[0])}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN {body} RETURN NULL; END $body$");

    /// <summary>SQLite: 2026120102's opening of the new row's interval.</summary>
    private string SqliteOpen =>
        $"INSERT INTO {Db.MembershipHistory} ({Columns}) "
        + $"SELECT NEW.uid, NEW.portfolio_group_uid, NEW.portfolio_uid, g.unique_identifier, p.unique_identifier, {SqliteNow} "
        + $"FROM {Db.Group} g JOIN {Db.Portfolio} p ON p.uid = NEW.portfolio_uid WHERE g.uid = NEW.portfolio_group_uid;";

    /// <summary>
    /// SQLite: the identifiers of the new row's group and portfolio, unless the table holds them. An
    /// upsert's <c>DO NOTHING</c>, which an outer <c>INSERT OR ...</c> does not override (a conflict
    /// clause in a trigger's statement it would).
    /// </summary>
    private string SqliteRecord =>
        $"INSERT INTO {Db.HistoryIdentifiers} (side, unique_identifier, uid) "
        + $"SELECT '{SchemaModel.GroupSide}', g.unique_identifier, g.uid FROM {Db.Group} g WHERE g.uid = NEW.portfolio_group_uid "
        + $"UNION ALL SELECT '{SchemaModel.PortfolioSide}', p.unique_identifier, p.uid FROM {Db.Portfolio} p WHERE p.uid = NEW.portfolio_uid "
        + "ON CONFLICT DO NOTHING;";
}
