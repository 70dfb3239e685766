/* The demo's inputs, placed in flash as the Rust demo's include_bytes! does: each NAME and
 * NAME_end, in its own section so that the linker keeps only those a program uses. The files
 * are found on the assembler's include path (-Wa,-I, see run.sh). */
    .macro blob name, file
    .section .rodata.\name, "a"
    .global \name, \name\()_end
    .balign 4
\name:
    .incbin "\file"
\name\()_end:
    .endm
    blob model_dl2p, "model.dl2p"
    blob embeddings_bin, "embeddings.bin"
    blob mlp_dl2p, "mlp.dl2p"
    blob raw_bin, "raw.bin"
    blob golden_cnn_dl2p, "cnn.dl2p"
    blob raw_cnn_bin, "raw-cnn.bin"
    blob cnn_dl2p, "fm-cnn.dl2p"
    blob images_bin, "fm-vectors.bin"
    blob assign_bin, "assign.bin"
    /* No executable stack (the linker warns about assembly files that do not say so). */
    .section .note.GNU-stack, "", %progbits
