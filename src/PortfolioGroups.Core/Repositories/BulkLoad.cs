using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A count read by a bulk call's statements.</summary>
internal sealed record CountRecord(long Count);

/// <summary>A uid read by a bulk call's statements.</summary>
internal sealed record UidRecord(Guid Uid);

/// <summary>
/// One reference a bulk call named that no row has, with the totals of the whole missing set: of
/// its key name (in either table), of its table, and overall. A query returns the first few of these.
/// </summary>
internal sealed record MissingRecord(string TableName, string KeyName, string KeyValue, long KindTotal, long TableTotal, long Total);

/// <summary>What a bulk upsert did: rows inserted, and existing rows updated (each distinct key once).</summary>
internal sealed record UpsertManyRecord(long Inserted, long Updated);

/// <summary>
/// The pieces every bulk write shares: streaming validated input into a temporary table in
/// batches (one command per batch, however many rows), and the bulk delete by named keys.
/// </summary>
internal static class BulkLoad
{
    /// <summary>How many missing references a bulk call reports by value (the total is always reported).</summary>
    public const int MissingListed = 5;

    /// <summary>
    /// Creates <paramref name="table"/> and streams <paramref name="rows"/> into it, in batches of
    /// the database's <see cref="Database.BulkBatchSize"/>: only one batch is in memory at a time.
    /// <paramref name="toRow"/> turns an input row and its position (0-based) into the table's
    /// values; <paramref name="consumed"/> hears the number of rows consumed after each batch.
    /// </summary>
    /// <returns>The number of rows streamed.</returns>
    public static async Task<long> FillAsync<T>(
        WriteTransaction transaction,
        TempTable table,
        string operation,
        IAsyncEnumerable<T> rows,
        Func<T, long, object?[]> toRow,
        Action<long>? consumed,
        CancellationToken cancellationToken)
    {
        await transaction.CreateTempTableAsync(table, cancellationToken).ConfigureAwait(false);
        var size = transaction.Database.BulkBatchSize;
        var batch = new List<object?[]>(size);
        long count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Add(toRow(row, count));
            count++;
            if (batch.Count == size)
            {
                await transaction.CopyAsync(operation, table, batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
                consumed?.Invoke(count);
            }
        }

        if (batch.Count > 0)
        {
            await transaction.CopyAsync(operation, table, batch, cancellationToken).ConfigureAwait(false);
            consumed?.Invoke(count);
        }

        return count;
    }

    /// <summary>
    /// The bulk upsert by unique identifier, for portfolios and groups: streams the rows into
    /// <paramref name="input"/>, counts the identifiers that exist, then inserts or updates one row
    /// per identifier (the last of the input), in one transaction. An existing row keeps its uid.
    /// </summary>
    /// <param name="db">The database.</param>
    /// <param name="input">The temporary table, whose columns are <c>pos</c>, <c>uid</c>, <c>unique_identifier</c>, then <paramref name="fields"/>.</param>
    /// <param name="physicalTable">The table upserted into.</param>
    /// <param name="metaTable">Its MetaTable identifier, for errors.</param>
    /// <param name="operation">The traced operation prefix, such as <c>portfolio</c>.</param>
    /// <param name="fields">The columns besides the keys, as named in both tables.</param>
    /// <param name="fieldValue">SQL for a field's value read from the input (a JSON column needs the database's cast).</param>
    /// <param name="rows">The validated input.</param>
    /// <param name="toRow">The input table's values of a row and its position.</param>
    /// <param name="consumed">Hears the number of rows consumed after each batch.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    public static Task<UpsertManyRecord> UpsertAsync<T>(
        Database db,
        TempTable input,
        string physicalTable,
        string metaTable,
        string operation,
        IReadOnlyList<string> fields,
        Func<string, string> fieldValue,
        IAsyncEnumerable<T> rows,
        Func<T, long, object?[]> toRow,
        Action<long>? consumed,
        CancellationToken cancellationToken) =>
        db.InTransactionAsync(
            async tx =>
            {
                await FillAsync(tx, input, operation + ".bulk_load", rows, toRow, consumed, cancellationToken).ConfigureAwait(false);
                var inputTable = db.TempTableName(input);

                var existingSql = $"SELECT count(*) AS count FROM {physicalTable} WHERE unique_identifier IN (SELECT unique_identifier FROM {inputTable})";
                var existing = await tx.RunAsync(
                    operation + ".bulk_count",
                    ErrorContext.Read,
                    c => c.QuerySingleAsync<CountRecord>(existingSql, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);

                // One row per identifier (the last), so the upsert never meets the same key twice.
                var columns = string.Join(", ", fields);
                var upsert = $"INSERT INTO {physicalTable} (uid, unique_identifier, {columns}) "
                             + $"SELECT uid, unique_identifier, {string.Join(", ", fields.Select(fieldValue))} FROM ("
                             + $"SELECT uid, unique_identifier, {columns}, row_number() OVER (PARTITION BY unique_identifier ORDER BY pos DESC) AS n FROM {inputTable}) x WHERE n = 1 "
                             + $"ON CONFLICT (unique_identifier) DO UPDATE SET {string.Join(", ", fields.Select(f => $"{f} = excluded.{f}"))}";
                var written = await tx.RunAsync(
                    operation + ".bulk_upsert",
                    new ErrorContext(metaTable),
                    c => c.ExecuteAsync(upsert, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new UpsertManyRecord(written - existing.Count, existing.Count);
            },
            cancellationToken);

    /// <summary>
    /// Deletes every row of <paramref name="physicalTable"/> the set names (by uid, or by unique
    /// identifier resolved in the same table), in one statement: the bulk delete of portfolios and
    /// of groups. Each row counts once, however it was named.
    /// </summary>
    public static Task<int> DeleteNamedAsync(Database db, string physicalTable, string metaTable, string operation, KeySet keys, CancellationToken cancellationToken)
    {
        if (Selection.NamedRows(db, keys, physicalTable, "@uids", "@ids") is not { } named)
        {
            return Task.FromResult(0);
        }

        var sql = db.DeleteJoined(physicalTable, named);
        return db.RunAsync(
            operation,
            new ErrorContext(metaTable),
            c => c.ExecuteAsync(sql, new { uids = Selection.Uids(db, keys), ids = Selection.Ids(db, keys) }),
            cancellationToken);
    }
}
