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
}

/// <summary>The cancellation token of the command being run, set by <see cref="Database"/> around each command.</summary>
internal static class CommandCancellation
{
    private static readonly AsyncLocal<CancellationToken> Token = new();

    public static CancellationToken Current => Token.Value;

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
}
