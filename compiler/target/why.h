/*
 * why: the explanations compiler/target keeps for what it could not load
 * ("no BTF for R: ...", "cannot read /proc/kallsyms: ..."): each lazily
 * loaded source has one malloc'd slot that messages, -v and tests read.
 */
#ifndef CTAP_TARGET_WHY_H
#define CTAP_TARGET_WHY_H

/* Frees the string in *slot and replaces it with the formatted one. */
void why_set(char **slot, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
