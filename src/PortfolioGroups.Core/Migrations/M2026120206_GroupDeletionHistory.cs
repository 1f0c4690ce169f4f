using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// A group's deletion is recorded once, not once per membership: a new table,
/// <c>portfolio_group_deletion_history</c>, gets one row per deleted group (its uid, its unique
/// identifier then, the instant, and the largest <c>history_id</c> of its intervals then), written
/// by a row trigger that runs before each delete of <c>portfolio_group</c>, so before the cascade
/// removes the memberships. The membership delete trigger then closes in place only the intervals
/// of memberships whose group still exists (a removal, <c>SetPortfoliosAsync</c>, a portfolio's
/// cascade, plain SQL); the intervals of a deleted group's memberships keep <c>valid_to</c> null and
/// are ended by the deletion row: an interval <c>h</c> ends at the earliest deletion <c>d</c> of its
/// group with <c>d.last_history_id &gt;= h.history_id</c>. Deleting a group of 100,000 members so
/// writes one row instead of updating 100,000.
/// </summary>
/// <remarks>
/// The bound is the <c>history_id</c>, not the instant, so a group deleted and made again with the
/// same uid (even within one transaction, at one instant) has its new intervals open. PostgreSQL: the
/// group trigger is a <c>BEFORE DELETE</c> row trigger (the foreign key's cascade runs after the
/// row is deleted); the membership delete function keeps 2026120205's close through the
/// <c>membership_uid</c> index and leaves out the removed rows of groups deleted in this transaction
/// and gone (a hashed list of a few uids, not a lookup per removed row); the function is replaced in
/// place, so the triggers that call it (on a partitioned membership table too) keep calling it.
/// SQLite: the membership delete trigger is made again with a <c>WHEN</c> that its group still
/// exists (the cascade runs after the group's row is deleted). The update and truncate triggers are
/// unchanged. <c>Down()</c> first writes each interval ended by a deletion its <c>valid_to</c> (the
/// earliest such deletion's instant), then puts the earlier triggers back and drops the table and
/// the group trigger, so the earlier schema's meaning holds exactly. Shipped: never edit; change the
/// schema in a new migration.
/// </remarks>
[Migration(Version, "A group's deletion ends its membership intervals by one row in portfolio_group_deletion_history")]
internal sealed class M2026120206_GroupDeletionHistory(MigrationTarget target) : Migration
{
    public const long Version = 2026120206;

    private const string History = "portfolio_group_membership_history";

    private const string Group = "portfolio_group";

    private const string Membership = "portfolio_group_membership";

    private static string Deletions => SchemaModel.PortfolioGroupDeletionHistory.PhysicalName;

    /// <summary>The trigger (and, on PostgreSQL, its function) on portfolio_group that records a deletion.</summary>
    public static string GroupTrigger => SchemaModel.GroupDeletionTrigger;

    /// <summary>The membership delete trigger (and function) of 2026120102 that this version changes.</summary>
    private static string MembershipDeleteTrigger => SchemaModel.HistoryTriggers[1];

    public override void Up()
    {
        var postgres = target.Database.CanAddConstraints;
        Execute.Sql(postgres
            ? $"CREATE TABLE {Qualified(Deletions)} ("
              + "deletion_id bigint GENERATED ALWAYS AS IDENTITY, portfolio_group_uid uuid NOT NULL, "
              + $"group_unique_identifier varchar({SchemaModel.MaxNameLength}) NOT NULL, deleted_at timestamp with time zone NOT NULL, last_history_id bigint NOT NULL, "
              + $"CONSTRAINT \"{SchemaModel.PortfolioGroupDeletionHistory.PrimaryKeyName}\" PRIMARY KEY (deletion_id))"
            : $"CREATE TABLE \"{Deletions}\" ("
              + "\"deletion_id\" INTEGER NOT NULL, \"portfolio_group_uid\" TEXT NOT NULL, \"group_unique_identifier\" TEXT NOT NULL, "
              + "\"deleted_at\" TEXT NOT NULL, \"last_history_id\" INTEGER NOT NULL, "
              + $"CONSTRAINT \"{SchemaModel.PortfolioGroupDeletionHistory.PrimaryKeyName}\" PRIMARY KEY (\"deletion_id\"))");
        foreach (var index in SchemaModel.PortfolioGroupDeletionHistory.Indexes)
        {
            Execute.Sql($"CREATE INDEX \"{index.Name}\" ON {Qualified(Deletions)} ({string.Join(", ", index.Columns.Select(c => $"\"{c}\""))})");
        }

        // The group's largest history_id: the (portfolio_group_uid, history_id) index of 2026120204 answers it.
        var record = $"INSERT INTO {Qualified(Deletions)} (portfolio_group_uid, group_unique_identifier, deleted_at, last_history_id) "
                     + $"SELECT OLD.uid, OLD.unique_identifier, {Now}, COALESCE((SELECT max(h.history_id) FROM {Qualified(History)} h WHERE h.portfolio_group_uid = OLD.uid), 0);";
        if (postgres)
        {
            Execute.Sql(
                $"CREATE FUNCTION {Qualified(GroupTrigger)}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN {record} RETURN OLD; END $body$; "
                + $"CREATE TRIGGER \"{GroupTrigger}\" BEFORE DELETE ON {Qualified(Group)} FOR EACH ROW EXECUTE FUNCTION {Qualified(GroupTrigger)}()");
            ReplaceDeleteFunction(CloseUnlessGroupDeleted(), " SET jit = off");
        }
        else
        {
            Execute.Sql($"CREATE TRIGGER \"{GroupTrigger}\" BEFORE DELETE ON \"{Group}\" BEGIN {record} END");
            Execute.Sql($"DROP TRIGGER \"{MembershipDeleteTrigger}\"");
            Execute.Sql(
                $"CREATE TRIGGER \"{MembershipDeleteTrigger}\" AFTER DELETE ON \"{Membership}\" "
                + $"WHEN EXISTS (SELECT 1 FROM \"{Group}\" g WHERE g.uid = OLD.portfolio_group_uid) BEGIN {SqliteClose} END");
        }
    }

    public override void Down()
    {
        var postgres = target.Database.CanAddConstraints;

        // What the deletions ended becomes valid_to, as the earlier versions wrote it.
        Execute.Sql(
            $"UPDATE {Qualified(History)} SET valid_to = (SELECT min(d.deleted_at) FROM {Qualified(Deletions)} d "
            + $"WHERE d.portfolio_group_uid = {Qualified(History)}.portfolio_group_uid AND d.last_history_id >= {Qualified(History)}.history_id) "
            + $"WHERE valid_to IS NULL AND EXISTS (SELECT 1 FROM {Qualified(Deletions)} d "
            + $"WHERE d.portfolio_group_uid = {Qualified(History)}.portfolio_group_uid AND d.last_history_id >= {Qualified(History)}.history_id)");
        if (postgres)
        {
            ReplaceDeleteFunction(CloseByIndex());
            Execute.Sql($"DROP TRIGGER \"{GroupTrigger}\" ON {Qualified(Group)}; DROP FUNCTION {Qualified(GroupTrigger)}()");
        }
        else
        {
            Execute.Sql($"DROP TRIGGER \"{MembershipDeleteTrigger}\"");
            Execute.Sql($"CREATE TRIGGER \"{MembershipDeleteTrigger}\" AFTER DELETE ON \"{Membership}\" BEGIN {SqliteClose} END");
            Execute.Sql($"DROP TRIGGER \"{GroupTrigger}\"");
        }

        Execute.Sql($"DROP TABLE {Qualified(Deletions)}");
    }

    private string Now => target.Database.CanAddConstraints ? "transaction_timestamp()" : "strftime('%Y-%m-%d %H:%M:%f', 'now')";

    private string Qualified(string name) => target.Schema is { } schema ? $"\"{schema}\".\"{name}\"" : $"\"{name}\"";

    /// <summary>SQLite: 2026120102's close of one removed row's interval, through the <c>membership_uid</c> index.</summary>
    private string SqliteClose => $"UPDATE \"{History}\" SET valid_to = {Now} WHERE membership_uid = OLD.uid AND valid_to IS NULL;";

    /// <summary>
    /// PostgreSQL: 2026120205's close (each removed row looked up in the <c>membership_uid</c> index,
    /// the intervals updated by primary key), for the removed rows that <paramref name="filter"/> keeps.
    /// </summary>
    private string CloseByIndex(string filter = "") =>
        $"UPDATE {Qualified(History)} h SET valid_to = {Now} WHERE h.history_id = ANY (ARRAY("
        + $"SELECT x.history_id FROM old_rows o CROSS JOIN LATERAL "
        + $"(SELECT hh.history_id FROM {Qualified(History)} hh WHERE hh.membership_uid = o.uid AND hh.valid_to IS NULL OFFSET 0) x{filter}));";

    /// <summary>
    /// The close, leaving out the removed rows of groups deleted in this transaction (a deletion row at
    /// this instant) that are gone now: their intervals are ended by the deletion row. The uids are a
    /// few, read through the <c>deleted_at</c> index and hashed once, so the filter costs a hash probe
    /// per removed row. A group deleted and made again in the transaction exists, so its removals close.
    /// </summary>
    private string CloseUnlessGroupDeleted() => CloseByIndex(
        $" WHERE o.portfolio_group_uid NOT IN (SELECT d.portfolio_group_uid FROM {Qualified(Deletions)} d WHERE d.deleted_at = {Now} "
        + $"AND NOT EXISTS (SELECT 1 FROM {Qualified(Group)} g WHERE g.uid = d.portfolio_group_uid))");

    /// <summary>
    /// Replaces the membership delete function in place. <paramref name="settings"/>: this version's
    /// <c>SET jit = off</c>, as the close is index lookups that JIT compilation never speeds up, while a
    /// large removal (a group's cascade of 100,000 rows) makes its estimated cost pass <c>jit_above_cost</c>
    /// and pay tens of milliseconds of compilation; <c>CREATE OR REPLACE</c> without it (Down) drops it again.
    /// </summary>
    private void ReplaceDeleteFunction(string body, string settings = "") =>
        Execute.Sql($"CREATE OR REPLACE FUNCTION {Qualified(MembershipDeleteTrigger)}() RETURNS trigger LANGUAGE plpgsql{settings} AS $body$ BEGIN {body} RETURN NULL; END $body$");
}
