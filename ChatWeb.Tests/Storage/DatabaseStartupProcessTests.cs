using System.Buffers.Binary;
using ChatWeb.Tests.Browser;
using Microsoft.Data.Sqlite;

namespace ChatWeb.Tests.Storage;

/// <summary>
/// The built app as a process, as a person runs it: what start-up does with the files a killed server
/// left behind, and with a data folder it may not write to.
/// </summary>
public sealed class DatabaseStartupProcessTests : IDisposable
{
    private const int RefusedExitCode = 1, AbortExitCode = 134;
    private readonly TempDataFolder _live = new(), _copy = new();

    public void Dispose()
    {
        _live.Dispose();
        _copy.Dispose();
    }

    private static Dictionary<string, string> Settings(string folder) => new() { ["ChatWeb:Storage:DataFolder"] = folder };

    [Fact]
    public async Task StartUp_RefusesADamagedDatabaseLeftByAKilledServer_AndChangesNoByteOfItOrItsLog()
    {
        // A database as a stopped server leaves it; then a server writes to it (it seeds presets and the
        // first admin) and is killed like kill -9, leaving its write-ahead log behind.
        _live.Database();
        SqliteConnection.ClearAllPools();
        await using (await AppServer.StartAsync(Settings(_live.Path))) { } // DisposeAsync kills the process
        var wal = File.ReadAllBytes(_live.DatabaseFile + "-wal");
        Assert.True(wal.Length > 32, "the killed server should have left frames in its write-ahead log");

        Directory.CreateDirectory(_copy.Path);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Copy(_live.DatabaseFile + suffix, _copy.DatabaseFile + suffix);
        DamageAPageTheLogDoesNotCover(_copy.DatabaseFile, wal);
        var database = File.ReadAllBytes(_copy.DatabaseFile);

        var (exitCode, log) = await AppServer.RunUntilExitAsync(Settings(_copy.Path));

        Assert.Equal(RefusedExitCode, exitCode);
        Assert.Contains($"The database {_copy.DatabaseFile} is damaged", log);
        Assert.Equal(database, File.ReadAllBytes(_copy.DatabaseFile));
        Assert.Equal(wal, File.ReadAllBytes(_copy.DatabaseFile + "-wal"));
    }

    [Fact]
    public async Task StartUp_InAReadOnlyDataFolder_ExitsWithAMessageNamingTheFolderAndTheFix_NotAnAbort()
    {
        Directory.CreateDirectory(_live.Path);
        IReadOnlyList<string> wrapper = [];
        if (Environment.IsPrivilegedProcess)
            // Root writes through file modes; a read-only mount (in a mount namespace of the app's own) stops it too.
            wrapper = ["unshare", "--mount", "sh", "-c", "mount --bind -o ro \"$0\" \"$0\" && exec \"$@\"", _live.Path];
        else
            File.SetUnixFileMode(_live.Path, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var (exitCode, log) = await AppServer.RunUntilExitAsync(Settings(_live.Path), wrapper);

        Assert.NotEqual(AbortExitCode, exitCode);
        Assert.Equal(RefusedExitCode, exitCode);
        Assert.Contains($"ChatWeb may not write to its data folder {_live.Path}", log);
        Assert.Contains("ChatWeb:Storage:DataFolder", log);
        Assert.DoesNotContain("Unhandled exception", log);
        if (!Environment.IsPrivilegedProcess)
            File.SetUnixFileMode(_live.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// Overwrites one b-tree page of the database file whose newer copy is not in the write-ahead log
    /// (a page the log covers would be read from the log, hiding the damage).
    /// </summary>
    private static void DamageAPageTheLogDoesNotCover(string file, byte[] wal)
    {
        var walPageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(wal.AsSpan(8));
        var covered = new HashSet<uint>();
        for (var frame = 32; frame + 24 + walPageSize <= wal.Length; frame += 24 + walPageSize)
            covered.Add(BinaryPrimitives.ReadUInt32BigEndian(wal.AsSpan(frame)));

        var bytes = File.ReadAllBytes(file);
        var pageSize = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(16)) is var size && size == 1 ? 65536 : size;
        var page = Enumerable.Range(2, bytes.Length / pageSize - 1).Reverse().First(p => !covered.Contains((uint)p));
        bytes.AsSpan((page - 1) * pageSize, pageSize).Fill(0x5A);
        File.WriteAllBytes(file, bytes);
    }
}
