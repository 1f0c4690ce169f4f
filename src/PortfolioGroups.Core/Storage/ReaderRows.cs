using System.Data.Common;

namespace PortfolioGroups.Storage;

/// <summary>
/// The rows of a query with one parameter, each read by position as it arrives
/// (<see cref="Database.ReadRowsAsync"/>). A thin enumerator rather than an async iterator: a row
/// the reader already holds is handed out in <see cref="IAsyncEnumerator{T}.MoveNextAsync"/> itself,
/// with no state machine per row. The command starts at the first row and takes the token of
/// <see cref="CommandCancellation"/> then; each row read takes the enumerator's token.
/// </summary>
internal sealed class ReaderRows<T>(DbConnection connection, string sql, Func<DbDataReader, T> read, string parameter, object? value) : IAsyncEnumerable<T>
{
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new Enumerator(connection, sql, read, parameter, value, cancellationToken);

    private sealed class Enumerator(DbConnection connection, string sql, Func<DbDataReader, T> read, string parameter, object? value, CancellationToken cancellationToken) : IAsyncEnumerator<T>
    {
        private DbCommand? _command;
        private DbDataReader? _reader;

        public T Current { get; private set; } = default!;

        public ValueTask<bool> MoveNextAsync()
        {
            if (_reader is null)
            {
                return FirstAsync();
            }

            var next = _reader.ReadAsync(cancellationToken);
            return next.IsCompletedSuccessfully ? new ValueTask<bool>(Step(next.Result)) : AwaitedAsync(next);
        }

        private async ValueTask<bool> FirstAsync()
        {
            _command ??= Database.OneParameterCommand(connection, sql, parameter, value);
            _reader = await _command.ExecuteReaderAsync(CommandCancellation.Current).ConfigureAwait(false);
            return Step(await _reader.ReadAsync(cancellationToken).ConfigureAwait(false));
        }

        private async ValueTask<bool> AwaitedAsync(Task<bool> next) => Step(await next.ConfigureAwait(false));

        private bool Step(bool more)
        {
            if (more)
            {
                Current = read(_reader!);
            }

            return more;
        }

        public async ValueTask DisposeAsync()
        {
            if (_reader is not null)
            {
                await _reader.DisposeAsync().ConfigureAwait(false);
            }

            if (_command is not null)
            {
                await _command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
