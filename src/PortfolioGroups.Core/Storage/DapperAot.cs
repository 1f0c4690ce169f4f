using Dapper;

// Every Dapper call in this assembly is intercepted at build time by Dapper.AOT's generator, so data
// access needs no run-time code generation (file-based apps and NativeAOT turn it off). Each call
// site passes a concrete parameter object and row type for the generator to see; a call it cannot
// intercept is a build error (DapperAot.globalconfig).
[module: DapperAot]

// Each generated command takes its cancellation token from the command that runs it
// (Database.RunAsync), not from the parameter object: Dapper.AOT 1.1.0 generates code that does
// not compile for a token in the parameter object of a statement built at run time.
[module: CommandFactory<PortfolioGroups.Storage.CancellableCommandFactory<object>>]

namespace PortfolioGroups.Storage;

/// <summary>The base of every command factory Dapper.AOT generates here: it cancels the command with the token of the <see cref="Database.RunAsync{T}(System.Data.Common.DbConnection, string, ErrorContext, Func{System.Data.Common.DbConnection, Task{T}}, CancellationToken)"/> call that runs it.</summary>
/// <typeparam name="T">The parameter object's type.</typeparam>
internal abstract class CancellableCommandFactory<T> : CommandFactory<T>
{
    public override CancellationToken GetCancellationToken(T args) => CommandCancellation.Current;

    // A store bound to a transaction names it on every command it runs on that transaction's
    // connection (SQLite refuses a command that does not name its connection's transaction).
    public override System.Data.Common.DbCommand GetCommand(System.Data.Common.DbConnection connection, string sql, System.Data.CommandType commandType, T args)
    {
        var command = base.GetCommand(connection, sql, commandType, args);
        return CommandCancellation.BoundDatabase is { Binding: { } binding } database && ReferenceEquals(binding.Connection, connection)
            ? database.BindCommand(command, binding.Transaction)
            : command;
    }
}

/// <summary>The cancellation token of the command being run, set by <see cref="Database"/> around each command.</summary>
internal static class CommandCancellation
{
    private static readonly AsyncLocal<CancellationToken> Token = new();
    private static readonly AsyncLocal<Database?> Bound = new();

    public static CancellationToken Current => Token.Value;

    /// <summary>The database running the command, when it is bound to a transaction (<see cref="TransactionBinding"/>).</summary>
    public static Database? BoundDatabase => Bound.Value;

    /// <summary>Makes <paramref name="database"/> (bound to a transaction, or null) the one whose commands start until the scope is disposed.</summary>
    public static TransactionScope UseTransaction(Database? database)
    {
        var previous = Bound.Value;
        Bound.Value = database?.Binding is null ? null : database;
        return new TransactionScope(previous);
    }

    /// <summary>Makes <paramref name="cancellationToken"/> the token of the commands started until the scope is disposed.</summary>
    public static Scope Use(CancellationToken cancellationToken)
    {
        var previous = Token.Value;
        Token.Value = cancellationToken;
        return new Scope(previous);
    }

    public readonly struct Scope(CancellationToken previous) : IDisposable
    {
        public void Dispose() => Token.Value = previous;
    }

    public readonly struct TransactionScope(Database? previous) : IDisposable
    {
        public void Dispose() => Bound.Value = previous;
    }
}
