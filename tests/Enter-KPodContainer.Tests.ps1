#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Enter-KPodContainer for real in a terminal: a child pwsh under tmux runs it against the test cluster; the test
# types into the pane (send-keys), reads the screen (capture-pane), resizes the window and checks that the remote
# terminal follows, interrupts a remote command with Ctrl+C, and exits with a code that lands in $LASTEXITCODE.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'PodTools.TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Cluster = Get-TestCluster
    $PSDefaultParameterValues['*-K*:Kubeconfig'] = $Cluster.Kubeconfig
    $script:Ns = New-TestNamespace -Cluster $Cluster -Prefix 'enter'
    $null = New-TestPod -Cluster $Cluster -Namespace $Ns -Name 'shell' -Containers @(
        @{ name = 'app'; image = 'nginx' }
        @{ name = 'tools'; image = 'busybox' }
    )
    Wait-TestCondition -Because 'the shell pod to run' -Condition { (Get-KPod -Namespace $Ns -Name shell).Status -eq 'Running' }
    $script:Tmux = (Get-Command tmux -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source

    function Read-Pane {
        param([string] $Session)
        (& $Tmux capture-pane -p -J -t $Session) -join "`n"
    }

    function Wait-Pane {
        # Polls the screen until it matches; returns the screen.
        param([string] $Session, [string] $Pattern, [int] $TimeoutSeconds = 30)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        do {
            $screen = Read-Pane -Session $Session
            if ($screen -match $Pattern) { return $screen }
            Start-Sleep -Milliseconds 200
        } while ([DateTime]::UtcNow -lt $deadline)
        throw "Timed out waiting for /$Pattern/ on the screen:`n$screen"
    }

    function Start-EnterSession {
        # A detached 100x30 tmux window running a fresh pwsh that enters the pod; after the session it prints the
        # exit code and waits, so the screen can still be read.
        param([string] $Name, [string] $Arguments)
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        $inner = "Import-Module '$(Get-TestModulePath)'; Enter-KPodContainer -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' $Arguments; " +
            "Write-Host ('SESSION-ENDED exit=' + `$LASTEXITCODE); `$modes = (/bin/stty -a) -join ' '; " +
            "Write-Host ('TERMINAL icanon=' + (`$modes -match '(^|\s)icanon(\s|;|`$)') + ' echo=' + (`$modes -match '(^|\s)echo(\s|;|`$)')); Start-Sleep -Seconds 120"
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($inner))
        $dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
        & $Tmux new-session -d -s $Name -x 100 -y 30 "$dotnet '$pwshDll' -NoProfile -EncodedCommand $encoded"
        if ($LASTEXITCODE -ne 0) { throw "tmux new-session failed ($LASTEXITCODE)" }
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-K*:Kubeconfig')
    Remove-Module PodTools -ErrorAction SilentlyContinue
}

Describe 'Enter-KPodContainer' {
    It 'refuses to start without an interactive terminal' {
        $output = Invoke-ChildPwsh -Script "Import-Module '$(Get-TestModulePath)'; try { Enter-KPodContainer -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace '$Ns' -Name shell -Container app -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }"
        ($output -join "`n") | Should -BeLike '*TerminalRequired*'
    }

    It 'completes -Container with the containers of the pod given by -Name' {
        $line = "Enter-KPodContainer -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace $Ns -Name shell -Container "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('app', 'tools')

        $line = "Invoke-KPodCommand -Kubeconfig '$($Cluster.Kubeconfig)' -Namespace $Ns -Name shell -Container t"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'tools'
    }

    Context 'in a real terminal (tmux)' {
        BeforeAll {
            $script:Session = "podtools-enter-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            if ($Tmux) {
                Start-EnterSession -Name $Session -Arguments '-Name shell -Container app -Verbose'
            }
        }

        AfterAll {
            if ($Tmux) { & $Tmux kill-session -t $Session 2>$null }
        }

        BeforeEach {
            if (-not $Tmux) { Set-ItResult -Skipped -Because 'tmux is not installed; the interactive session cannot be driven' }
        }

        It 'opens a shell in the container and runs what is typed' {
            $null = Wait-Pane -Session $Session -Pattern '(?m)[$#]\s*$'
            & $Tmux send-keys -t $Session 'echo "in-$HOSTNAME-$(basename $PWD)"' Enter
            $screen = Wait-Pane -Session $Session -Pattern 'in-shell-app'
            $screen | Should -Match '(?m)^in-shell-app$'
        }

        It 'gives the remote terminal the window size, and follows a resize' {
            & $Tmux send-keys -t $Session 'stty size' Enter
            $null = Wait-Pane -Session $Session -Pattern '(?m)^30 100$'

            & $Tmux resize-window -t $Session -x 120 -y 40
            Start-Sleep -Milliseconds 800
            & $Tmux send-keys -t $Session 'clear; stty size' Enter
            $screen = Wait-Pane -Session $Session -Pattern '(?m)^40 120$'
            $screen | Should -Match '(?m)^40 120$'
        }

        It 'sends Ctrl+C to the remote command instead of ending the session' {
            & $Tmux send-keys -t $Session 'clear; sleep 60; echo "sleep-ended-$?"' Enter
            Start-Sleep -Seconds 1
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $Tmux send-keys -t $Session C-c
            $screen = Wait-Pane -Session $Session -Pattern '\^C' -TimeoutSeconds 10
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            $screen | Should -Not -Match 'SESSION-ENDED'
            & $Tmux send-keys -t $Session 'echo still-here' Enter
            $null = Wait-Pane -Session $Session -Pattern '(?m)^still-here$'
        }

        It 'ends with the remote exit code in $LASTEXITCODE and restores the console' {
            & $Tmux send-keys -t $Session 'exit 7' Enter
            $screen = Wait-Pane -Session $Session -Pattern 'SESSION-ENDED exit=\d+'
            $screen | Should -Match 'SESSION-ENDED exit=7'
            $screen | Should -Match 'ended with exit code 7'
            # Line editing and echo are back on the local terminal.
            $screen = Wait-Pane -Session $Session -Pattern 'TERMINAL '
            $screen | Should -Match 'TERMINAL icanon=True echo=True'
        }
    }

    Context 'default shell and container' {
        It 'uses bash when the container has it' {
            if (-not $Tmux) { Set-ItResult -Skipped -Because 'tmux is not installed'; return }
            $name = "podtools-enter-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            try {
                Start-EnterSession -Name $name -Arguments '-Name shell -Container tools'
                $null = Wait-Pane -Session $name -Pattern '(?m)[$#]\s*$'
                & $Tmux send-keys -t $name 'echo "shell=$0"; exit' Enter
                $screen = Wait-Pane -Session $name -Pattern 'SESSION-ENDED'
                $screen | Should -Match '(?m)^shell=(/\S*/)?bash$'
                $screen | Should -Match 'SESSION-ENDED exit=0'
            }
            finally {
                & $Tmux kill-session -t $name 2>$null
            }
        }
    }
}
