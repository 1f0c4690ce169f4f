using BenchmarkDotNet.Running;
using PortfolioGroups.Benchmarks.Comparison;

namespace PortfolioGroups.Benchmarks;

internal static class Program
{
    /// <summary>
    /// Runs benchmarks (BenchmarkDotNet's own arguments, such as <c>--filter '*'</c>), or reports on
    /// a finished run: <c>--table [results-dir]</c> prints the side-by-side Markdown table,
    /// <c>--chart out.svg [results-dir]</c> writes the chart of its ratios; <c>--smoke [Class ...]</c>
    /// runs each benchmark once, untimed, to check that it works; <c>--trace-addmany [runs]</c> breaks
    /// <c>AddManyAsync</c> of 100,000 pairs down by traced statement; <c>--partitions-interleaved [rounds]</c>
    /// times the membership layouts by turns (<see cref="PartitionInterleaved"/>).
    /// <c>--single [calls]</c> times the
    /// single-row calls beside one plain statement each (p50 per call); <c>--http-add-one [rounds] [seconds]</c>
    /// measures the HTTP add-one route's requests/s beside a minimal app running the plain statement;
    /// <c>--stream [runs]</c> times streaming a 100,000-member group beside the plain reader;
    /// <c>--single-history [calls] [version]</c> times <c>AddPortfolioAsync</c> with the history against without, alternating (p50, p90);
    /// <c>--selectivity [rounds]</c> times the set queries by selectivity beside every hand-written form, by turns (<see cref="SetSelectivityInterleaved"/>);
    /// <c>--history-delete [rounds]</c> times deleting a 100,000-member group with the history against without, by turns, and
    /// <c>--history-addmany [rounds]</c> adding 100,000 new pairs (<see cref="HistoryAlternating"/>);
    /// <c>--interleave [rounds] Class ...</c> runs the named BenchmarkDotNet classes' methods in this process by turns (<see cref="InterleavedRun"/>);
    /// <c>--keysets [rounds] [case]</c> times the calls that take a key set of 40,000 uids beside the plain join and filter forms, by turns (<see cref="KeySetsInterleaved"/>).
    /// </summary>
    private static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "--table":
                Console.Write(ComparisonReport.Markdown(ComparisonReport.Read(args.ElementAtOrDefault(1) ?? ComparisonReport.DefaultResults)));
                return 0;
            case "--trace-addmany":
                return BulkTrace.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "3", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--partitions-interleaved":
                return PartitionInterleaved.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "15", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--single":
                return SingleCalls.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "2000", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--http-add-one":
                return HttpAddOne.RunAsync(
                    int.Parse(args.ElementAtOrDefault(1) ?? "7", System.Globalization.CultureInfo.InvariantCulture),
                    double.Parse(args.ElementAtOrDefault(2) ?? "3", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--single-history":
                return HistorySingleAddAlternating.RunAsync(
                    int.Parse(args.ElementAtOrDefault(1) ?? "1000", System.Globalization.CultureInfo.InvariantCulture),
                    args.ElementAtOrDefault(2) is { } version ? long.Parse(version, System.Globalization.CultureInfo.InvariantCulture) : null).GetAwaiter().GetResult();
            case "--selectivity":
                return SetSelectivityInterleaved.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "15", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--history-delete":
                return HistoryAlternating.DeleteGroupAsync(int.Parse(args.ElementAtOrDefault(1) ?? "7", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--history-addmany":
                return HistoryAlternating.AddManyAsync(int.Parse(args.ElementAtOrDefault(1) ?? "7", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--interleave" when args.Length >= 3:
                return InterleavedRun.RunAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args.Skip(2).ToList()).GetAwaiter().GetResult();
            case "--keysets":
                return KeySetsInterleaved.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "9", System.Globalization.CultureInfo.InvariantCulture), args.ElementAtOrDefault(2)).GetAwaiter().GetResult();
            case "--stream":
                return SingleCalls.StreamAsync(int.Parse(args.ElementAtOrDefault(1) ?? "21", System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            case "--smoke":
                return SmokeRun.RunAsync(args.Skip(1).ToList()).GetAwaiter().GetResult();
            case "--chart" when args.Length >= 2:
                File.WriteAllText(args[1], ComparisonReport.Svg(ComparisonReport.Read(args.ElementAtOrDefault(2) ?? ComparisonReport.DefaultResults)));
                Console.WriteLine($"Wrote {args[1]}");
                return 0;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}
