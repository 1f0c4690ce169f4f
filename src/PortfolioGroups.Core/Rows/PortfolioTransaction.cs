using System.Data.Common;
using PortfolioGroups.Storage;

namespace PortfolioGroups;

/// <summary>
/// A database transaction that several library calls run in, so that they commit together or not
/// at all. Every helper given <see cref="Store"/> (single rows, bulk calls, set queries, streams)
/// runs inside it.
/// </summary>
/// <remarks>
/// <para>
/// Begun by <see cref="PortfolioStore.BeginTransactionAsync"/> (the store's own: commit it with
/// <see cref="CommitAsync"/>; <see cref="RollbackAsync"/>, or disposing it without a commit, rolls
/// it back), or made by <see cref="PortfolioStore.JoinTransaction"/> over the host's ADO.NET or
/// EF Core transaction (the host commits or rolls back; <see cref="CommitAsync"/> and
/// <see cref="RollbackAsync"/> refuse).
/// </para>
/// <para>
/// A transaction holds one connection, which runs one command at a time: calls from several tasks
/// wait for each other, and a call made while a stream of the transaction is still being read is
/// refused. A bulk call inside the transaction runs behind a savepoint, so it stays all or
/// nothing: when it fails, the transaction's earlier work is kept. On PostgreSQL every write runs
/// behind a savepoint too, so a call that fails (a duplicate key, say) leaves the transaction usable.
/// </para>
/// <para>
/// Rows returned inside the transaction are bound to the parent store: they stay usable after the
/// transaction ends, and their own methods (<c>row.UpdateAsync</c>, <c>row.DeleteAsync</c>, ...)
/// run on the parent store, outside the transaction. To write inside it, pass <see cref="Store"/>
/// to the static helpers. After the transaction ends, every call on <see cref="Store"/> throws
/// <see cref="InvalidOperationException"/>.
/// </para>
/// </remarks>
public sealed class PortfolioTransaction : IAsyncDisposable
{
    private readonly TransactionBinding _binding;

    internal PortfolioTransaction(PortfolioStore store, TransactionBinding binding)
    {
        Store = store;
        _binding = binding;
    }

    /// <summary>A store whose every call runs inside this transaction.</summary>
    /// <remarks>It shares the parent store's connections and settings; disposing it does nothing, and schema calls (migrations, checks) on it are refused.</remarks>
    public PortfolioStore Store { get; }

    /// <summary>True when this is the host's transaction (<see cref="PortfolioStore.JoinTransaction"/>), which the host commits.</summary>
    public bool IsJoined => _binding.Joined;

    /// <summary>The ADO.NET transaction the calls run in, for running the host's own commands in it (Dapper's <c>transaction:</c>, EF Core's <c>Database.UseTransaction</c>).</summary>
    /// <remarks>
    /// On PostgreSQL, when the store built its own data source, the session of a store transaction
    /// whose <see cref="DbTransaction"/> was asked for is reset when the transaction is disposed
    /// (settings, role, advisory locks, temporary tables, cursors, listeners), as the pool would
    /// reset it: a host's <c>SET</c> does not reach the store's later calls.
    /// </remarks>
    public DbTransaction DbTransaction
    {
        get
        {
            _binding.Exposed = true;
            return _binding.Transaction;
        }
    }

    /// <summary>Commits every call made in the transaction; later calls on <see cref="Store"/> are refused.</summary>
    /// <exception cref="InvalidOperationException">The transaction is the host's (joined), or has already ended.</exception>
    public Task CommitAsync(CancellationToken cancellationToken = default) => EndAsync(commit: true, cancellationToken);

    /// <summary>Rolls back every call made in the transaction; later calls on <see cref="Store"/> are refused.</summary>
    /// <exception cref="InvalidOperationException">The transaction is the host's (joined), or has already ended.</exception>
    public Task RollbackAsync(CancellationToken cancellationToken = default) => EndAsync(commit: false, cancellationToken);

    /// <summary>
    /// Ends the transaction: the store's own is rolled back unless it was committed, and its
    /// connection released; a joined one is left to the host untouched. Later calls on
    /// <see cref="Store"/> are refused.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_binding.Joined)
        {
            _binding.End("disposed");
            return;
        }

        if (_binding.Ended is null)
        {
            _binding.End("disposed without a commit: rolled back");
            try
            {
                if (TransactionBinding.IsActive(_binding.Transaction))
                {
                    await _binding.Transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (DbException)
            {
                // The connection is gone, and the server rolled the transaction back with it.
            }
        }

        await _binding.Transaction.DisposeAsync().ConfigureAwait(false);
        if (_binding.Exposed)
        {
            await Store.Database.ResetSessionAsync(_binding.Connection).ConfigureAwait(false);
        }

        await _binding.Connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task EndAsync(bool commit, CancellationToken cancellationToken)
    {
        if (_binding.Joined)
        {
            throw new InvalidOperationException(
                $"This transaction was joined (JoinTransaction): its owner {(commit ? "commits" : "rolls back")} it, through the DbTransaction or EF Core's Database.{(commit ? "CommitTransaction" : "RollbackTransaction")}.");
        }

        using var lease = await _binding.EnterAsync(cancellationToken).ConfigureAwait(false);
        Store.ThrowIfParentDisposed();
        if (commit)
        {
            try
            {
                await Store.CommitBindingAsync(_binding, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _binding.End("the commit failed, and nothing was committed unless the connection was lost while committing");
                throw;
            }

            _binding.End("committed");
        }
        else
        {
            _binding.End("rolled back");
            await _binding.Transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
