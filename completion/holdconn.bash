# bash completion for holdconn. `make install` puts it in
# $(PREFIX)/share/bash-completion/completions/holdconn; or source it.
# Options come from `holdconn CMD --help`, which is generated from the option
# tables: nothing here needs to change when an option is added.

_holdconn()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="serve connect bench limits compare sweep help"
	local cmd=${COMP_WORDS[1]}

	COMPREPLY=()
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
		return
	fi
	if [[ $cmd == help ]]; then
		[[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "${cmds% help}" -- "$cur"))
		return
	fi
	case $prev in
	--mode | --client-mode)
		COMPREPLY=($(compgen -W "uring epoll threads" -- "$cur")); return ;;
	--modes)
		COMPREPLY=($(compgen -W "uring,epoll,threads uring,epoll uring epoll threads" -- "$cur"))
		return ;;
	--watch | --client-watch)
		COMPREPLY=($(compgen -W "poll recv none diag" -- "$cur")); return ;;
	--on-data)
		COMPREPLY=($(compgen -W "drain echo keep" -- "$cur")); return ;;
	--set-buffers)
		COMPREPLY=($(compgen -W "before after before,after" -- "$cur")); return ;;
	--path)
		COMPREPLY=($(compgen -W "loopback veth" -- "$cur")); return ;;
	--conns)
		COMPREPLY=($(compgen -W "1000 100k 1M max" -- "$cur")); return ;;
	--plot)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--server-pid)
		COMPREPLY=($(compgen -W "$(pgrep -d ' ' . 2>/dev/null)" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		opts=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' |
			tr -d ' ,' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	fi
}
complete -F _holdconn holdconn
