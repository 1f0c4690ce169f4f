namespace PortfolioGroups.Tests.Schema;

/// <summary>The membership history read in plain SQL, as docs/history.md gives it.</summary>
internal static class HistorySql
{
    /// <summary>
    /// When the interval aliased <c>h</c> ended: its <c>valid_to</c> (removed while its group existed),
    /// else the earliest deletion of its group that ended it; null while open.
    /// </summary>
    /// <param name="table">The fixture's qualified table name for a physical name.</param>
    public static string EffectiveEnd(Func<string, string> table) =>
        $"COALESCE(h.valid_to, (SELECT min(d.deleted_at) FROM {table("portfolio_group_deletion_history")} d "
        + "WHERE d.portfolio_group_uid = h.portfolio_group_uid AND d.last_history_id >= h.history_id))";
}
