using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>
/// PostgreSQL: the delete and update triggers of the membership history (2026120102) close the
/// intervals of the removed or changed memberships by walking the removed rows and looking each one
/// up in the history's <c>membership_uid</c> index, then updating the intervals found by primary key,
/// instead of joining the trigger's transition table to the history. A transition table has no
/// index and no statistics, so the planner chose the join by the history's statistics alone: when
/// they said few intervals were open (an <c>ANALYZE</c> taken after a purge or a large delete), it
/// read the whole history once for each removed row, and even with fresh statistics a one-row
/// delete read the whole history once. The close now costs one index lookup per removed row,
/// whatever the statistics say. The insert and truncate triggers, and the opening half of the
/// update trigger, are unchanged.
/// </summary>
/// <remarks>
/// The functions are replaced in place (<c>CREATE OR REPLACE FUNCTION</c>), so the triggers that call
/// them, on a partitioned membership table too, keep calling them. SQLite: nothing changes; its row
/// triggers already close an interval through the <c>membership_uid</c> index. <c>Down()</c> puts
/// the bodies of 2026120102 back. Shipped: never edit; change the schema in a new migration.
/// </remarks>
[Migration(Version, "PostgreSQL: the history triggers close intervals through the membership_uid index")]
internal sealed class M2026120205_HistoryCloseByMembershipIndex(MigrationTarget target) : Migration
{
    public const long Version = 2026120205;

    private const string History = "portfolio_group_membership_history";

    private const string Columns =
        "membership_uid, portfolio_group_uid, portfolio_uid, group_unique_identifier, portfolio_unique_identifier, valid_from";

    private const string Now = "transaction_timestamp()";

    /// <summary>The old and new rows of an update that differ in uid, group or portfolio (the update trigger's changed rows).</summary>
    private const string ChangedOld = "(SELECT uid, portfolio_group_uid, portfolio_uid FROM old_rows EXCEPT SELECT uid, portfolio_group_uid, portfolio_uid FROM new_rows)";

    private const string ChangedNew = "(SELECT uid, portfolio_group_uid, portfolio_uid FROM new_rows EXCEPT SELECT uid, portfolio_group_uid, portfolio_uid FROM old_rows)";

    public override void Up()
    {
        if (target.Database.CanAddConstraints)
        {
            Replace(ByIndex("old_rows"), ByIndex(ChangedOld));
        }
    }

    public override void Down()
    {
        if (target.Database.CanAddConstraints)
        {
            Replace(ByJoin("old_rows"), ByJoin(ChangedOld));
        }
    }

    private string Qualified(string name) => target.Schema is { } schema ? $"\"{schema}\".\"{name}\"" : $"\"{name}\"";

    /// <summary>
    /// Closes the open intervals of the memberships in <paramref name="rows"/>: each row looked up in
    /// the <c>membership_uid</c> index (<c>OFFSET 0</c> keeps the lookup a per-row subquery rather than
    /// a join whose order the planner would choose again), the intervals then updated by primary key.
    /// </summary>
    private string ByIndex(string rows) =>
        $"UPDATE {Qualified(History)} h SET valid_to = {Now} WHERE h.history_id = ANY (ARRAY("
        + $"SELECT x.history_id FROM {rows} o CROSS JOIN LATERAL "
        + $"(SELECT hh.history_id FROM {Qualified(History)} hh WHERE hh.membership_uid = o.uid AND hh.valid_to IS NULL OFFSET 0) x));";

    /// <summary>2026120102's close: the history joined to <paramref name="rows"/>.</summary>
    private string ByJoin(string rows) =>
        $"UPDATE {Qualified(History)} h SET valid_to = {Now} FROM {rows} o WHERE h.membership_uid = o.uid AND h.valid_to IS NULL;";

    /// <summary>
    /// The update trigger's second statement, as 2026120102 wrote it: opens the intervals of the
    /// changed rows, with the portfolios read through <c>Database.Portfolio</c> (a host's mapped table by its own columns).
    /// </summary>
    private string OpenChanged() =>
        $"INSERT INTO {Qualified(History)} ({Columns}) "
        + $"SELECT m.uid, m.portfolio_group_uid, m.portfolio_uid, g.unique_identifier, p.unique_identifier, {Now} "
        + $"FROM {ChangedNew} m JOIN {Qualified("portfolio_group")} g ON g.uid = m.portfolio_group_uid JOIN {target.Database.Portfolio} p ON p.uid = m.portfolio_uid"
        + " ORDER BY m.uid;";

    private void Replace(string close, string closeChanged)
    {
        Function(M2026120102_MembershipHistory.TriggerNames[1], close);
        Function(M2026120102_MembershipHistory.TriggerNames[2], closeChanged + " " + OpenChanged());

        void Function(string name, string body) =>
            Execute.Sql($"CREATE OR REPLACE FUNCTION {Qualified(name)}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN {body} RETURN NULL; END $body$");
    }
}
