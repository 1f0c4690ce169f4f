using System.Data.Common;

namespace PortfolioGroups.Storage;

/// <summary>
/// One open transaction that a store's calls run in: the store's own (from
/// <c>PortfolioStore.BeginTransactionAsync</c>) or the host's (<c>PortfolioStore.JoinTransaction</c>).
/// A <see cref="Database"/> bound to it (<see cref="Database.BindTo"/>) runs every command on its
/// connection, in its transaction, one call at a time.
/// </summary>
/// <remarks>
/// A connection runs one command at a time, so calls from several tasks wait for each other
/// (<see cref="EnterAsync"/>). A stream holds the transaction until it ends: a call made while one
/// is open would wait for itself, so it is refused instead.
/// </remarks>
#pragma warning disable CA1001 // A SemaphoreSlim whose wait handle is never asked for holds nothing to dispose.
internal sealed class TransactionBinding
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _savepoints;
    private volatile string? _ended;
    private volatile bool _streaming;

    public TransactionBinding(DbConnection connection, DbTransaction transaction, bool joined)
    {
        Connection = connection;
        Transaction = transaction;
        Joined = joined;
    }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    /// <summary>True when the transaction is the host's: the host commits or rolls it back, and owns the connection.</summary>
    public bool Joined { get; }

    /// <summary>True once the host was handed the transaction (so its connection) to run its own commands on.</summary>
    public bool Exposed { get; set; }

    /// <summary>Why the transaction can no longer be used (committed, rolled back, disposed), or null while it is open.</summary>
    public string? Ended => _ended;

    /// <summary>A savepoint name unique within the transaction.</summary>
    public string NextSavepoint() => "portfoliogroups_" + Interlocked.Increment(ref _savepoints);

    /// <summary>
    /// Waits for the transaction's connection, then checks that the transaction can still be used.
    /// Dispose the result to let the next call run.
    /// </summary>
    /// <exception cref="InvalidOperationException">The transaction has ended, or a stream of it is still open.</exception>
    public async Task<Lease> EnterAsync(CancellationToken cancellationToken, bool stream = false)
    {
        ThrowIfStreaming();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfStreaming();
            ThrowIfUnusable();
            _streaming = stream;
            return new Lease(this);
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    /// <summary>Marks the transaction ended, so every later call is refused with <paramref name="reason"/>.</summary>
    public void End(string reason) => _ended ??= reason;

    /// <summary>Throws when the transaction can no longer run commands.</summary>
    public void ThrowIfUnusable()
    {
        if (_ended is { } reason)
        {
            throw new InvalidOperationException($"The PortfolioGroups transaction has ended ({reason}): use the store itself, or begin a new transaction.");
        }

        // The host committed or rolled back its transaction: ADO.NET drivers then detach it from the connection.
        if (!IsActive(Transaction))
        {
            throw new InvalidOperationException("The joined transaction has already been committed or rolled back by its owner: join a new one.");
        }

        if (Connection.State != System.Data.ConnectionState.Open)
        {
            throw new InvalidOperationException($"The transaction's connection is {Connection.State}, not open.");
        }
    }

    /// <summary>
    /// True while <paramref name="transaction"/> is neither committed nor rolled back: drivers then
    /// detach it from its connection, or refuse to say its isolation level (Npgsql).
    /// </summary>
    public static bool IsActive(DbTransaction transaction)
    {
        try
        {
            // Npgsql keeps the connection of a completed transaction, but refuses its isolation level.
            _ = transaction.IsolationLevel;
            return transaction.Connection is not null;
        }
        catch (InvalidOperationException)
        {
            // ObjectDisposedException included.
            return false;
        }
    }

    private void ThrowIfStreaming()
    {
        if (_streaming)
        {
            throw new InvalidOperationException(
                "A stream read in this transaction is still open: a transaction runs one command at a time, so finish (or dispose) the stream before the next call.");
        }
    }

    /// <summary>The right to run commands on the transaction's connection, until disposed.</summary>
    public sealed class Lease(TransactionBinding binding) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                binding._streaming = false;
                binding._gate.Release();
            }
        }
    }
}
