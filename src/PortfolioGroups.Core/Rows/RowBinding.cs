namespace PortfolioGroups;

/// <summary>Turns the records the services return into rows bound to their store, as the tasks complete.</summary>
internal static class RowBinding
{
    // The store is passed to a static bind, not captured: no closure per call.
    public static async Task<TRow> One<TRecord, TRow>(Task<TRecord> record, PortfolioStore store, Func<PortfolioStore, TRecord, TRow> bind) =>
        bind(store, await record.ConfigureAwait(false));

    public static async Task<TRow?> Optional<TRecord, TRow>(Task<TRecord?> record, PortfolioStore store, Func<PortfolioStore, TRecord, TRow> bind)
        where TRecord : class
        where TRow : class =>
        await record.ConfigureAwait(false) is { } found ? bind(store, found) : null;

    public static async Task<Page<TRow>> Page<TRecord, TRow>(Task<Page<TRecord>> page, Func<TRecord, TRow> bind) =>
        (await page.ConfigureAwait(false)).Map(bind);

    /// <summary>
    /// Every row of a stream, in a list: what a listing called without a page returns. The stream
    /// is read in one statement, so nothing is cut and memory is the result's.
    /// </summary>
    public static async Task<IReadOnlyList<TRow>> All<TRow>(IAsyncEnumerable<TRow> rows, CancellationToken cancellationToken)
    {
        var list = new List<TRow>();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(row);
        }

        return list;
    }
}
