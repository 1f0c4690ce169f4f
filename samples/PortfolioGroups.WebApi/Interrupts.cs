using System.Runtime.InteropServices;

/// <summary>
/// Lets Ctrl+C (SIGINT) stop the web host however the process was started.
/// </summary>
/// <remarks>
/// A shell starts a command it runs in the background of a script (<c>dotnet run &amp;</c>) with SIGINT
/// ignored, and .NET leaves an ignored SIGINT alone: the host's Ctrl+C handling would never hear it,
/// and the server would outlive the script's Ctrl+C. Restoring the default before the host starts
/// lets the host take SIGINT as it takes SIGTERM: stop, finish the requests in flight, dispose the store.
/// </remarks>
internal static class Interrupts
{
    private const int SigInt = 2;

    /// <summary>Restores SIGINT's default disposition (Unix), so the host's handler is installed.</summary>
    public static void Restore()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            _ = NativeMethods.Signal(SigInt, 0);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "signal")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern nint Signal(int signal, nint handler);
    }
}
