# mkman.awk: the tapset reference pages, from the tapset's doc comments.
#
# usage: awk -v out=DIR -f mkman.awk TAPSET_FILES...
#
# Writes DIR/function::NAME.3stap for every public function (a name not
# starting with `_`) and DIR/probe::NAME.3stap for every probe alias with
# a doc comment, DIR/stapfuncs.3stap (the functions, one line each) and
# DIR/pages.list (every page written).  The generated syscalls
# (syscalls_generic.stp, no comments) get pages from their macro calls.
#
# A doc comment is
#
#   /**
#    * NAME - summary            (probe NAME - summary, for an alias)
#    * @arg: meaning, possibly continued on the next lines
#    *
#    * Description, paragraphs split by blank lines; indented lines are
#    * shown as they are (examples).
#    */
#   function NAME:type (args) ...   (or probe NAME = ..., @_sc_entry(N))
#
# or the one-line form `/** NAME - summary */`.  Overloads (several
# comments of one name) share a page: every synopsis, the first
# description.  Plain awk: Debian's default awk is mawk.

function trim(s)
{
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

# text for roff: backslashes, and a control character at a line's start
function esc(s)
{
	gsub(/\\/, "\\e", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

# text with the comment's @arg references in italics
function prose(s,    out)
{
	s = esc(s)
	out = ""
	while (match(s, /@[A-Za-z_][A-Za-z0-9_]*/)) {
		out = out substr(s, 1, RSTART - 1) "\\fI" substr(s, RSTART + 1, RLENGTH - 1) "\\fR"
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

function start_doc()
{
	indoc = 1
	ndl = 0
}

function doc_line(t)
{
	dl[++ndl] = t
}

# the header line and the parts of the comment just read; pending = the
# definition that follows it names what it documents
function end_doc(    i, h, name, kind, t, m, cont, para, pn)
{
	indoc = 0
	for (i = 1; i <= ndl && trim(dl[i]) == ""; i++)
		;
	if (i > ndl)
		return
	h = trim(dl[i])
	kind = "function"
	if (h ~ /^probe[ \t]/) {
		kind = "probe"
		sub(/^probe[ \t]+/, "", h)
	}
	m = index(h, " - ")
	if (!m)
		return  # not a reference comment (a file's or a section's)
	name = substr(h, 1, m - 1)
	if (name !~ /^[A-Za-z_][A-Za-z0-9_.*]*$/)
		return
	doc_name = name
	doc_kind = kind
	doc_summary = trim(substr(h, m + 3))
	doc_nparams = 0
	doc_desc = ""
	cont = 0
	para = 0
	for (i++; i <= ndl; i++) {
		t = dl[i]
		if (trim(t) == "") {
			cont = 0
			para = 1
			continue
		}
		if (t ~ /^@[A-Za-z_0-9]+:/) {
			pn = substr(t, 2, index(t, ":") - 2)
			doc_pname[++doc_nparams] = pn
			doc_pdesc[doc_nparams] = trim(substr(t, index(t, ":") + 1))
			cont = 1
			continue
		}
		if (cont) {
			doc_pdesc[doc_nparams] = doc_pdesc[doc_nparams] " " trim(t)
			continue
		}
		if (para && doc_desc != "")
			doc_desc = doc_desc "\n"
		para = 0
		doc_desc = doc_desc t "\n"
	}
	pending = 1
}

# what a definition line defines: sets def_kind, def_syn
function definition(line,    s, m)
{
	def_kind = ""
	def_syn = ""
	if (line ~ /^function[ \t]/) {
		s = line
		sub(/^function[ \t]+/, "", s)
		m = index(s, "%{")
		if (m)
			s = substr(s, 1, m - 1)
		m = index(s, "{")
		if (m)
			s = substr(s, 1, m - 1)
		def_kind = "function"
		def_syn = trim(s)
	} else if (line ~ /^probe[ \t]/) {
		s = line
		sub(/^probe[ \t]+/, "", s)
		m = index(s, "=")
		if (m)
			s = substr(s, 1, m - 1)
		def_kind = "probe"
		def_syn = trim(s)
	} else if (line ~ /^@_sc_entry\(/) {
		s = line
		sub(/^@_sc_entry\(/, "", s)
		sub(/\).*$/, "", s)
		def_kind = "probe"
		def_syn = "syscall." s "\nsyscall." s ".return\nnd_syscall." s "\nnd_syscall." s ".return"
	}
}

function record(kind, name, summary, syn, file,    k, i, j, seen)
{
	if (substr(name, 1, 1) == "_")
		return
	k = kind SUBSEP name
	if (!(k in summaries)) {
		summaries[k] = summary
		order[++nkeys] = k
		descs[k] = doc_desc
		sources[k] = file
		nparams[k] = 0
	} else if (descs[k] == "") {
		descs[k] = doc_desc
	}
	if (syn != "" && index("\n" synopses[k] "\n", "\n" syn "\n") == 0) {
		synopses[k] = nsyn[k] ? synopses[k] "\n" syn : syn
		nsyn[k]++
	}
	for (i = 1; i <= doc_nparams; i++) {
		seen = 0
		for (j = 1; j <= nparams[k]; j++)
			if (params[k, j] == doc_pname[i])
				seen = 1
		if (!seen) {
			params[k, ++nparams[k]] = doc_pname[i]
			pdescs[k, nparams[k]] = doc_pdesc[i]
		}
	}
}

# the arguments of a macro call: quoted strings kept whole, commas inside
# parentheses kept; sets args[1..nargs]
function split_call(s,    i, c, depth, q, cur)
{
	nargs = 0
	depth = 0
	q = 0
	cur = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q) {
			cur = cur c
			if (c == "\\") {
				i++
				cur = cur substr(s, i, 1)
			} else if (c == "\"") {
				q = 0
			}
			continue
		}
		if (c == "\"")
			q = 1
		else if (c == "(")
			depth++
		else if (c == ")")
			depth--
		if (c == "," && depth == 0) {
			args[++nargs] = trim(cur)
			cur = ""
			continue
		}
		cur = cur c
	}
	if (trim(cur) != "")
		args[++nargs] = trim(cur)
}

# @_scN(name, "name", nr, "fmt", local1, expr1, ...): a generated syscall
function generated_syscall(line,    s, n, i, vals)
{
	s = line
	sub(/^@_sc[0-6]\(/, "", s)
	sub(/\)[ \t]*$/, "", s)
	split_call(s)
	if (nargs < 4)
		return
	n = args[1]
	doc_desc = ""
	doc_nparams = 0
	doc_pname[++doc_nparams] = "name"
	doc_pdesc[doc_nparams] = "\"" n "\""
	vals = ""
	for (i = 5; i + 1 <= nargs; i += 2) {
		doc_pname[++doc_nparams] = args[i]
		doc_pdesc[doc_nparams] = "argument " ((i - 3) / 2) \
			(args[i] ~ /_uaddr$/ ? " (a user-space address)" : "")
	}
	doc_pname[++doc_nparams] = "argstr"
	doc_pdesc[doc_nparams] = "the arguments as text, as strace shows them"
	record("probe", "syscall." n, "the " n "(2) system call",
	       "syscall." n "\nsyscall." n ".return\nnd_syscall." n "\nnd_syscall." n ".return",
	       srcfile)
}

function page_text(k, kind, name,    out, i, n, lines, inex, t)
{
	out = ""
	out = out ".\\\" generated by man/mkman.awk from " sources[k] "; do not edit\n"
	out = out ".TH " toupper(kind "::" name) " 3stap \"\" \"ctap\" \"ctap tapset reference\"\n"
	out = out ".SH NAME\n" esc(kind "::" name) " \\- " esc(summaries[k]) "\n"
	out = out ".SH SYNOPSIS\n.nf\n"
	if (nsyn[k]) {
		n = split(synopses[k], lines, "\n")
		for (i = 1; i <= n; i++)
			out = out (kind == "probe" ? "probe " : "") "\\fB" esc(lines[i]) "\\fR\n"
	} else {
		out = out "\\fB" esc(name) "\\fR\n"
	}
	out = out ".fi\n"
	if (nparams[k]) {
		out = out ".SH " (kind == "probe" ? "VALUES" : "ARGUMENTS") "\n"
		for (i = 1; i <= nparams[k]; i++)
			out = out ".TP\n.I " esc(params[k, i]) "\n" prose(pdescs[k, i]) "\n"
	}
	if (kind == "probe" && name ~ /^syscall\./) {
		out = out ".SH RETURN VALUES\nIn the \\fB.return\\fR aliases: " \
			"\\fIname\\fR, \\fIretval\\fR (the value returned) and \\fIretstr\\fR " \
			"(it as text, an error as its errno name).\n"
	}
	if (descs[k] != "") {
		out = out ".SH DESCRIPTION\n"
		n = split(descs[k], lines, "\n")
		inex = 0
		for (i = 1; i < n; i++) {
			t = lines[i]
			if (t ~ /^[ \t]/) {
				if (!inex)
					out = out ".PP\n.RS\n.nf\n"
				inex = 1
				sub(/^[ \t]+/, "", t)
				out = out "\\&" esc(t) "\n"
				continue
			}
			if (inex)
				out = out ".fi\n.RE\n"
			inex = 0
			out = out (t == "" ? ".PP" : prose(t)) "\n"
		}
		if (inex)
			out = out ".fi\n.RE\n"
	}
	out = out ".SH SEE ALSO\n.BR stap (1),\n"
	out = out (kind == "probe" ? ".BR stapprobes (3stap)\n" : ".BR stapfuncs (3stap)\n")
	return out
}

BEGIN {
	if (out == "") {
		print "mkman.awk: -v out=DIR is required" > "/dev/stderr"
		exit 2
	}
	nkeys = 0
}

FNR == 1 {
	srcfile = FILENAME
	sub(/^.*\/tapset\//, "tapset/", srcfile)
	indoc = 0
	pending = 0
}

indoc == 0 && /^\/\*\*.*\*\/[ \t]*$/ {
	t = $0
	sub(/^\/\*\*[ \t]*/, "", t)
	sub(/[ \t]*\*\/[ \t]*$/, "", t)
	start_doc()
	doc_line(t)
	end_doc()
	next
}

indoc == 0 && /^\/\*\*/ {
	start_doc()
	t = $0
	sub(/^\/\*\*[ \t]*/, "", t)
	if (t != "")
		doc_line(t)
	next
}

indoc && /\*\// {
	t = $0
	sub(/[ \t]*\*\/.*$/, "", t)
	sub(/^[ \t]*\*[ \t]?/, "", t)
	if (trim(t) != "")
		doc_line(t)
	end_doc()
	next
}

indoc {
	t = $0
	sub(/^[ \t]*\*[ \t]?/, "", t)
	doc_line(t)
	next
}

pending && /^[ \t]*$/ { next }

pending {
	pending = 0
	definition($0)
	# a comment names what it documents; the line after it gives the synopsis
	record(def_kind == "probe" ? "probe" : doc_kind, doc_name, doc_summary,
	       def_syn, srcfile)
}

/^@_sc[0-6]\(/ { generated_syscall($0) }

# an alias without a comment (the perf events): its page says what it is
/^probe[ \t]+[A-Za-z][A-Za-z0-9_.]*[ \t]*=/ {
	definition($0)
	if (!(("probe" SUBSEP def_syn) in summaries) && def_syn !~ /\._/) {
		rhs = substr($0, index($0, "=") + 1)
		sub(/[ \t]*\{.*$/, "", rhs)
		doc_desc = ""
		doc_nparams = 0
		record("probe", def_syn, "an alias for " trim(rhs), def_syn, srcfile)
	}
}

END {
	list = out "/pages.list"
	printf "" > list
	idx = ".\\\" generated by man/mkman.awk; do not edit\n"
	idx = idx ".TH STAPFUNCS 3stap \"\" \"ctap\" \"ctap tapset reference\"\n"
	idx = idx ".SH NAME\nstapfuncs \\- the functions of ctap's tapset library\n"
	idx = idx ".SH DESCRIPTION\nEvery public function of the tapset library, " \
		"with its page; \\fBstap \\-\\-dump\\-functions\\fR lists them with their types.\n"
	for (i = 1; i <= nkeys; i++) {
		k = order[i]
		split(k, kn, SUBSEP)
		path = out "/" kn[1] "::" kn[2] ".3stap"
		printf "%s", page_text(k, kn[1], kn[2]) > path
		close(path)
		print kn[1] "::" kn[2] ".3stap" >> list
		if (kn[1] == "function")
			idx = idx ".TP\n.BR function::" esc(kn[2]) " (3stap)\n" esc(summaries[k]) "\n"
	}
	idx = idx ".SH SEE ALSO\n.BR stap (1),\n.BR stapprobes (3stap),\n.BR stapvars (3stap)\n"
	path = out "/stapfuncs.3stap"
	printf "%s", idx > path
	close(path)
	print "stapfuncs.3stap" >> list
	close(list)
}
