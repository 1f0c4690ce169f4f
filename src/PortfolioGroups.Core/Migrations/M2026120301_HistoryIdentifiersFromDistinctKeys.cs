using FluentMigrator;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// PostgreSQL: the history's triggers record the identifiers of a write from its distinct groups and
/// portfolios, and only those the identifiers table does not hold, and run without JIT compilation.
/// 2026120207 read every interval a write opened twice (once for its group, once for its portfolio),
/// removed the duplicates of the 2n rows by sorting them all (a sort that spills to disk past
/// <c>work_mem</c> at 100,000 memberships), then let <c>ON CONFLICT</c> skip the identifiers already
/// recorded. Now each side is made distinct by hashing first, the recorded ones are left out by a
/// lookup in the table's unique index, and only what is new is sorted into the table's key order
/// (so two writers that add the same new identifiers still take them in one order, and
/// <c>ON CONFLICT DO NOTHING</c> still settles a race between them).
/// </summary>
/// <remarks>
/// Measured inside PostgreSQL 15 (the insert trigger's own time, medians of five, one statement
/// of 100,000 memberships into 1,000,000): 100 new groups by 1,000 portfolios, 1,306 → 1,162 ms
/// (1,035 with the sides made distinct alone, in the same noisy run); one new group of 100,000
/// recorded portfolios, 1,937 → 1,537 ms (1,878 with the sides made distinct alone). <c>SET jit = off</c> as on the delete
/// function (2026120206): the statements are index writes and lookups that compilation never speeds
/// up, while a large write makes their estimated cost pass <c>jit_above_cost</c>. The functions are
/// replaced in place, so the triggers that call them (on a partitioned membership table too) keep
/// calling them. SQLite: nothing changes; its row trigger records a row's two identifiers by an
/// upsert that already probes the same index once each. <c>Down()</c> puts 2026120207's functions
/// back. Shipped: never edit; change the schema in a new migration.
/// </remarks>
[Migration(Version, "PostgreSQL: the history records a write's identifiers from its distinct groups and portfolios, without JIT")]
internal sealed class M2026120301_HistoryIdentifiersFromDistinctKeys(MigrationTarget target) : Migration
{
    public const long Version = 2026120301;

    private Storage.Database Db => target.Database;

    private M2026120207_HistoryIdentifierTable Earlier => new(target);

    /// <summary>
    /// The identifiers of the groups and portfolios in <paramref name="rows"/> (a subquery with
    /// <c>portfolio_group_uid</c>, <c>group_unique_identifier</c>, <c>portfolio_uid</c>,
    /// <c>portfolio_unique_identifier</c>) that <paramref name="db"/>'s identifiers table does not
    /// hold: each side made distinct, the recorded ones left out, the rest in the table's key order.
    /// </summary>
    internal static string RecordNew(Storage.Database db, string rows) =>
        $"INSERT INTO {db.HistoryIdentifiers} (side, unique_identifier, uid) "
        + "SELECT x.side, x.unique_identifier, x.uid FROM ("
        + $"SELECT DISTINCT '{SchemaModel.GroupSide}' AS side, o.group_unique_identifier AS unique_identifier, o.portfolio_group_uid AS uid FROM {rows} o "
        + $"UNION ALL SELECT DISTINCT '{SchemaModel.PortfolioSide}', o.portfolio_unique_identifier, o.portfolio_uid FROM {rows} o) x "
        + $"WHERE NOT EXISTS (SELECT 1 FROM {db.HistoryIdentifiers} i WHERE i.side = x.side AND i.unique_identifier = x.unique_identifier AND i.uid = x.uid) "
        + "ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING;";

    public override void Up()
    {
        if (Db.CanAddConstraints)
        {
            var earlier = Earlier;
            ReplaceFunctions(
                earlier.PostgresOpenThen(rows => RecordNew(Db, rows)),
                RecordNew(Db, earlier.PostgresChanged),
                " SET jit = off");
        }
    }

    public override void Down()
    {
        if (Db.CanAddConstraints)
        {
            var earlier = Earlier;
            ReplaceFunctions(earlier.PostgresOpenAndRecord, earlier.PostgresRecordChanged);
        }
    }

    /// <summary>
    /// Replaces the history's insert function and the identifiers' update function in place.
    /// <c>CREATE OR REPLACE</c> without <paramref name="settings"/> (Down) drops this version's setting again.
    /// </summary>
    private void ReplaceFunctions(string insertBody, string updateBody, string settings = "")
    {
        Function(SchemaModel.HistoryTriggers[0], insertBody);
        Function(SchemaModel.HistoryIdentifierTriggers[0], updateBody);

        void Function(string name, string body) =>
            Execute.Sql($"CREATE OR REPLACE FUNCTION {target.Qualified(name)}() RETURNS trigger LANGUAGE plpgsql{settings} AS $body$ BEGIN {body} RETURN NULL; END $body$");
    }
}
