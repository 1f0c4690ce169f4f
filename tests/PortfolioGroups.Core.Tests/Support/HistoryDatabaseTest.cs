using System.Data.Common;
using Dapper;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Tests.Support;

/// <summary>A fixture that reads the membership history's triggers and statistics from the database's own catalog.</summary>
public abstract class HistoryDatabaseTest(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    /// <summary>
    /// PostgreSQL: a counter of the membership history (or of another of the history's tables,
    /// <paramref name="physicalName"/>) in <c>pg_stat_xact_user_tables</c> (as <c>seq_scan</c>,
    /// <c>idx_tup_fetch</c>, or a sum such as <c>idx_tup_fetch + seq_tup_read</c>), counted in this
    /// session and not yet reported. The counts of earlier transactions on the same (pooled) session
    /// can still be among them, so a caller takes the difference over its statement; nothing is
    /// reported in the middle of a transaction.
    /// </summary>
    protected async Task<long> HistoryStatAsync(DbConnection connection, DbTransaction transaction, string counter, string? physicalName = null) =>
        await connection.ExecuteScalarAsync<long>(
            $"SELECT {counter} FROM pg_stat_xact_user_tables WHERE relid = CAST(@table AS regclass)",
            new { table = Table(physicalName ?? SchemaModel.PortfolioGroupMembershipHistory.PhysicalName) },
            transaction);

    /// <summary>The SQL of the history's delete and update triggers: SQLite's trigger text, PostgreSQL's function bodies.</summary>
    protected async Task<List<string>> CloseTriggerSourcesAsync()
    {
        string[] names = [SchemaModel.HistoryTriggers[1], SchemaModel.HistoryTriggers[2]];
        await using var connection = await OpenPlainConnectionAsync();
        return Db == Db.Sqlite
            ? [.. await connection.QueryAsync<string>("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN @names", new { names })]
            : [.. await connection.QueryAsync<string>(
                "SELECT p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = CAST(@table AS regclass) AND NOT t.tgisinternal AND t.tgname = ANY(@names)",
                new { table = Table("portfolio_group_membership"), names })];
    }
}
