using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Adds <c>portfolio_group_membership_history</c>, one row per interval during which a membership
/// existed, and the triggers that keep it for every client: an insert into
/// <c>portfolio_group_membership</c> opens an interval, a delete (a cascade from a group or
/// portfolio delete included) closes it, an update that changes a row's uid, group or portfolio
/// closes the old interval and opens a new one. Memberships that exist when it runs get an interval
/// from that instant ("known since").
/// </summary>
/// <remarks>
/// Time is the database's clock in UTC. PostgreSQL: <c>transaction_timestamp()</c>, so every change
/// of one transaction shares one instant (microseconds); the triggers are statement-level, with
/// transition tables, so a bulk write is recorded by one set-based statement; a <c>TRUNCATE</c> closes
/// every open interval. SQLite: row triggers (a cascade fires them too), the statement's millisecond
/// as <c>strftime('%Y-%m-%d %H:%M:%f', 'now')</c>, with <c>history_id</c> ordering the intervals opened
/// within one millisecond. The table has no foreign keys, so it outlives deleted groups and portfolios.
/// <c>Down()</c> drops the triggers (and on PostgreSQL their functions), then the table.
/// </remarks>
[Migration(Version, "Membership history kept by database triggers")]
internal sealed class M2026120102_MembershipHistory(MigrationTarget target) : Migration
{
    public const long Version = 2026120102;

    private const string History = "portfolio_group_membership_history";

    private const string Membership = "portfolio_group_membership";

    /// <summary>The indexes this version creates on the history table.</summary>
    private static readonly (string Name, string[] Columns)[] Indexes =
    [
        ("ix_portfolio_group_membership_history_group", ["portfolio_group_uid", "valid_from"]),
        ("ix_portfolio_group_membership_history_portfolio", ["portfolio_uid", "valid_from"]),
        ("ix_portfolio_group_membership_history_membership", ["membership_uid"]),
    ];

    /// <summary>The triggers (and, on PostgreSQL, their functions) on portfolio_group_membership.</summary>
    public static IReadOnlyList<string> TriggerNames { get; } = [.. SchemaModel.HistoryTriggers, History + "_on_truncate"];

    private const string Columns =
        "membership_uid, portfolio_group_uid, portfolio_uid, group_unique_identifier, portfolio_unique_identifier, valid_from";

    public override void Up()
    {
        if (target.Database.CanAddConstraints)
        {
            UpPostgres();
        }
        else
        {
            UpSqlite();
        }

        // The indexes this version creates, by name: the model's list grew in later versions (2026120201).
        foreach (var (name, columns) in Indexes)
        {
            Execute.Sql($"CREATE INDEX \"{name}\" ON {Qualified(History)} ({string.Join(", ", columns.Select(c => $"\"{c}\""))})");
        }
    }

    public override void Down()
    {
        if (target.Database.CanAddConstraints)
        {
            foreach (var name in TriggerNames)
            {
                Execute.Sql($"DROP TRIGGER IF EXISTS \"{name}\" ON {Qualified(Membership)}; DROP FUNCTION IF EXISTS {Qualified(name)}()");
            }
        }
        else
        {
            foreach (var name in TriggerNames)
            {
                Execute.Sql($"DROP TRIGGER IF EXISTS \"{name}\"");
            }
        }

        Execute.Sql($"DROP TABLE {Qualified(History)}");
    }

    private string Qualified(string name) => target.Schema is { } schema ? $"\"{schema}\".\"{name}\"" : $"\"{name}\"";

    /// <summary>
    /// The interval rows for the memberships in <paramref name="rows"/>, with the identifiers the
    /// group and portfolio have now. The portfolios are read through <c>Database.Portfolio</c>, so a
    /// host's mapped portfolio table (<see cref="PortfolioTable.Existing"/>) is read by its own columns.
    /// </summary>
    private string Opened(string rows, string now) =>
        $"SELECT m.uid, m.portfolio_group_uid, m.portfolio_uid, g.unique_identifier, p.unique_identifier, {now} "
        + $"FROM {rows} m JOIN {Qualified("portfolio_group")} g ON g.uid = m.portfolio_group_uid JOIN {target.Database.Portfolio} p ON p.uid = m.portfolio_uid";

    private void UpPostgres()
    {
        Execute.Sql(
            $"CREATE TABLE {Qualified(History)} ("
            + "history_id bigint GENERATED ALWAYS AS IDENTITY, "
            + "membership_uid uuid NOT NULL, portfolio_group_uid uuid NOT NULL, portfolio_uid uuid NOT NULL, "
            + $"group_unique_identifier varchar({SchemaModel.MaxNameLength}) NOT NULL, portfolio_unique_identifier varchar({SchemaModel.MaxNameLength}) NOT NULL, "
            + "valid_from timestamp with time zone NOT NULL, valid_to timestamp with time zone, "
            + $"CONSTRAINT \"{SchemaModel.PortfolioGroupMembershipHistory.PrimaryKeyName}\" PRIMARY KEY (history_id))");

        const string now = "transaction_timestamp()";
        Execute.Sql($"INSERT INTO {Qualified(History)} ({Columns}) {Opened(Qualified(Membership), now)} ORDER BY m.uid");

        var open = $"INSERT INTO {Qualified(History)} ({Columns}) {Opened("new_rows", now)} ORDER BY m.uid;";
        var close = $"UPDATE {Qualified(History)} h SET valid_to = {now} FROM old_rows o WHERE h.membership_uid = o.uid AND h.valid_to IS NULL;";

        // An update closes the intervals of the rows it changed and opens their new ones; a row it left as it was keeps its interval.
        var closeChanged = $"UPDATE {Qualified(History)} h SET valid_to = {now} "
            + "FROM (SELECT uid, portfolio_group_uid, portfolio_uid FROM old_rows EXCEPT SELECT uid, portfolio_group_uid, portfolio_uid FROM new_rows) o "
            + "WHERE h.membership_uid = o.uid AND h.valid_to IS NULL;";
        var openChanged = $"INSERT INTO {Qualified(History)} ({Columns}) "
            + Opened("(SELECT uid, portfolio_group_uid, portfolio_uid FROM new_rows EXCEPT SELECT uid, portfolio_group_uid, portfolio_uid FROM old_rows)", now)
            + " ORDER BY m.uid;";
        var closeAll = $"UPDATE {Qualified(History)} SET valid_to = {now} WHERE valid_to IS NULL;";

        Function(TriggerNames[0], open, $"AFTER INSERT ON {Qualified(Membership)} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT");
        Function(TriggerNames[1], close, $"AFTER DELETE ON {Qualified(Membership)} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT");
        Function(TriggerNames[2], closeChanged + " " + openChanged, $"AFTER UPDATE ON {Qualified(Membership)} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT");
        Function(TriggerNames[3], closeAll, $"AFTER TRUNCATE ON {Qualified(Membership)} FOR EACH STATEMENT");

        void Function(string name, string body, string when) =>
            Execute.Sql(
                $"CREATE FUNCTION {Qualified(name)}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN {body} RETURN NULL; END $body$; "
                + $"CREATE TRIGGER \"{name}\" {when} EXECUTE FUNCTION {Qualified(name)}()");
    }

    private void UpSqlite()
    {
        Execute.Sql(
            $"CREATE TABLE \"{History}\" ("
            + "\"history_id\" INTEGER NOT NULL, "
            + "\"membership_uid\" TEXT NOT NULL, \"portfolio_group_uid\" TEXT NOT NULL, \"portfolio_uid\" TEXT NOT NULL, "
            + "\"group_unique_identifier\" TEXT NOT NULL, \"portfolio_unique_identifier\" TEXT NOT NULL, "
            + "\"valid_from\" TEXT NOT NULL, \"valid_to\" TEXT, "
            + $"CONSTRAINT \"{SchemaModel.PortfolioGroupMembershipHistory.PrimaryKeyName}\" PRIMARY KEY (\"history_id\"))");

        const string now = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
        Execute.Sql($"INSERT INTO \"{History}\" ({Columns}) {Opened($"\"{Membership}\"", now)} ORDER BY m.uid");

        var open = $"INSERT INTO \"{History}\" ({Columns}) "
            + $"SELECT NEW.uid, NEW.portfolio_group_uid, NEW.portfolio_uid, g.unique_identifier, p.unique_identifier, {now} "
            + $"FROM \"portfolio_group\" g JOIN {target.Database.Portfolio} p ON p.uid = NEW.portfolio_uid WHERE g.uid = NEW.portfolio_group_uid;";
        var close = $"UPDATE \"{History}\" SET valid_to = {now} WHERE membership_uid = OLD.uid AND valid_to IS NULL;";

        Execute.Sql($"CREATE TRIGGER \"{TriggerNames[0]}\" AFTER INSERT ON \"{Membership}\" BEGIN {open} END");
        Execute.Sql($"CREATE TRIGGER \"{TriggerNames[1]}\" AFTER DELETE ON \"{Membership}\" BEGIN {close} END");
        Execute.Sql(
            $"CREATE TRIGGER \"{TriggerNames[2]}\" AFTER UPDATE ON \"{Membership}\" "
            + "WHEN NEW.uid IS NOT OLD.uid OR NEW.portfolio_group_uid IS NOT OLD.portfolio_group_uid OR NEW.portfolio_uid IS NOT OLD.portfolio_uid "
            + $"BEGIN {close} {open} END");
    }
}
