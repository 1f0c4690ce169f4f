using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>
/// The history's delete and update triggers close a membership's open interval by reading its
/// pair's intervals backwards from the latest, in a (<c>portfolio_group_uid</c>, <c>portfolio_uid</c>,
/// <c>history_id</c>) index that replaces 2026120302's (<c>portfolio_group_uid</c>,
/// <c>portfolio_uid</c>). A pair has at most one membership at a time, so the interval a trigger
/// closes is the pair's latest: the trigger reads that one only, and closes it when it is the
/// removed membership's and open (as it always is). Through 2026120302's index the trigger read
/// every interval the pair ever had, so a pair added and removed again and again made each removal
/// slower than the last (16 tasks adding and removing one pair, 8,000 times each way: a removal
/// sampled in the server's log read 1,105 earlier intervals).
/// </summary>
/// <remarks>
/// PostgreSQL: both functions also run with sequential scans, bitmap scans and sorts off. A trigger
/// function's plans are kept by its session, made when first run there: a session whose first
/// removals ran while the history was small kept a plan that updated the intervals by reading the
/// whole history, however large it grew, until the history's next analyze; and statistics taken when
/// the history was small had the planner read a pair's intervals through a bitmap scan and sort them
/// all. The functions look intervals up by index only, so those plans are never the better ones for
/// them. The delete function keeps 2026120206's filter of deleted groups and its <c>SET jit = off</c>.
/// SQLite: the row triggers are made again with the new lookup. <c>Down()</c> puts 2026120302's
/// index and lookup back. Shipped: never edit; change the schema in a new migration.
/// </remarks>
[Migration(Version, "The history triggers close a membership's interval as its pair's latest, read backwards in a (group, portfolio, history_id) index")]
internal sealed class M2026120303_HistoryCloseLatestOfPair(MigrationTarget target) : Migration
{
    public const long Version = 2026120303;

    /// <summary>The index this version creates.</summary>
    internal const string PairIndex = "ix_portfolio_group_membership_history_group_portfolio_opened";

    /// <summary>2026120302's index, which this version drops (and <c>Down()</c> makes again).</summary>
    internal const string EarlierPairIndex = "ix_portfolio_group_membership_history_group_portfolio";

    private const string History = "portfolio_group_membership_history";

    /// <summary>
    /// PostgreSQL: the settings both functions run with, so that each interval is found by a walk of
    /// an index in <c>history_id</c> order, whatever the statistics or the session's earlier plans
    /// say: no sequential scan, no bitmap scan (whose rows come unordered), no sort.
    /// </summary>
    internal const string IndexPlans = " SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off";

    /// <summary>The intervals of the pair of the membership <paramref name="row"/> (an alias or <c>OLD</c>), in the history aliased <paramref name="h"/>: the range whose latest interval a trigger reads.</summary>
    internal static string Pair(string h, string row) =>
        $"{h}portfolio_group_uid = {row}.portfolio_group_uid AND {h}portfolio_uid = {row}.portfolio_uid";

    public override void Up()
    {
        Create.Index(PairIndex).OnTable(History).InSchema(target.Schema)
            .OnColumn("portfolio_group_uid").Ascending()
            .OnColumn("portfolio_uid").Ascending()
            .OnColumn("history_id").Ascending();
        M2026120302_HistoryCloseByPairIndex.ReplaceCloses(
            target, Execute, new M2026120302_HistoryCloseByPairIndex.CloseLookup(M2026120302_HistoryCloseByPairIndex.ByMembership, LatestOf: Pair, Settings: IndexPlans));
        Delete.Index(EarlierPairIndex).OnTable(History).InSchema(target.Schema);
    }

    public override void Down()
    {
        Create.Index(EarlierPairIndex).OnTable(History).InSchema(target.Schema)
            .OnColumn("portfolio_group_uid").Ascending()
            .OnColumn("portfolio_uid").Ascending();
        M2026120302_HistoryCloseByPairIndex.ReplaceCloses(target, Execute, new M2026120302_HistoryCloseByPairIndex.CloseLookup(M2026120302_HistoryCloseByPairIndex.ByPair));
        Delete.Index(PairIndex).OnTable(History).InSchema(target.Schema);
    }
}
