namespace PortfolioGroups.Tests.Architecture;

/// <summary>
/// The library runs with dynamic code off (file-based apps, NativeAOT): every Dapper call in it is
/// replaced at build time by an interceptor Dapper.AOT generates. A call the generator refused stays a
/// call to Dapper's own <c>SqlMapper</c>, whose run-time code generation throws there.
/// </summary>
/// <remarks>
/// The whole suite also runs with dynamic code off (the test project sets DynamicCodeSupport=false),
/// which catches a refused call on the paths the tests take; this catches it on every path.
/// </remarks>
public sealed class DynamicCodeTests
{
    [Test]
    public void No_library_code_calls_Dapper_at_run_time()
    {
        var direct = AssemblyReferences.Core.Dependencies
            .Where(d => d.To.FullName.StartsWith("Dapper.SqlMapper", StringComparison.Ordinal))
            .Select(d => $"{d.From.FullName} (in {d.Via})")
            .Distinct();

        direct.Should().BeEmpty("each of these Dapper calls was not intercepted by Dapper.AOT and would need dynamic code");
    }

    [Test]
    public void The_library_runs_its_commands_through_Dapper_AOTs_generated_interceptors()
    {
        AssemblyReferences.Core.Dependencies
            .Where(d => d.From.FullName.StartsWith("PortfolioGroups.Repositories.", StringComparison.Ordinal) && d.To.Namespace == "Dapper.AOT")
            .Should().NotBeEmpty("the repositories' Dapper calls are replaced by calls to the generated interceptors");
    }
}
