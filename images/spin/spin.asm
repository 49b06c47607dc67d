; spin: a multiboot guest that runs every vCPU in a tight loop at a chosen
; guest-physical address and counts loop iterations in a mailbox page.
; The contract with the orchestrator is described in images/README.md.

bits 32

IMAGE_BASE      equ 0x00400000
MAILBOX         equ 0x00005000
TRAMPOLINE      equ 0x00006000
BSP_STACK_TOP   equ 0x00080000
STALLS          equ 0x00010000          ; per vCPU: TSC of its last iteration, then a log2 histogram of iteration gaps
STALL_RECORD    equ 0x100               ; bytes per vCPU: 8 (TSC) + 32 buckets of 4
STALL_HIST      equ 0x08

MB_MAGIC        equ 0x00
MB_VERSION      equ 0x04
MB_ONLINE       equ 0x08
MB_NCPUS        equ 0x0c
MB_CODE_ADDR    equ 0x10
MB_CODE_STRIDE  equ 0x14
MB_TOGGLES      equ 0x18
MB_CYCLES       equ 0x20
MB_MAX_CYCLES   equ 0x28
MB_LAST_TSC     equ 0x30
MB_MUTATOR_DONE equ 0x38
MB_WEEDS_JUMPED equ 0x3c
MB_COUNTERS     equ 0x40
MAX_CPUS        equ 64

MAILBOX_MAGIC   equ 0x424d4c53          ; "SLMB"
CONFIG_MAGIC    equ 0x46434c53          ; "SLCF"
CFG_FLAGS       equ 0x14
CFG_PAM_REG     equ 0x18
CFG_PAM_A       equ 0x19
CFG_PAM_B       equ 0x1a
CFG_TOGGLES     equ 0x1c
CFG_SETUP       equ 0x20                ; 8 (register, value) pairs, register 0 ends the list
CFG_CODE_HI     equ 0x30
CFG_WEEDS_ADDR  equ 0x34                ; where the weeds vCPU jumps on an NMI
CFG_WEEDS_CPU   equ 0x38
CFG_PAGE_TABLES equ 0x3c                ; with FLAG_PAGING: where the paging structures go
FLAG_PAM_GUEST  equ 1
FLAG_WEEDS      equ 2
FLAG_PAGING     equ 4
FLAG_STALLS     equ 8                   ; the loops keep stall records (the 48-byte loop)
AP_STACKS       equ 0x00060000          ; 256 bytes per AP: an NMI needs a stack
PAGE_TABLES     equ 0x00020000          ; default: PML4, PDPT, then four page directories (2 MiB pages)
PAGE_DIRS       equ 0x2000                ; offset of the page directories from the PML4
EFER            equ 0xc0000080
CODE_WINDOW     equ 0x40000000          ; virtual window onto code above 4 GiB
DEFAULT_CODE    equ 0x00100000
DEFAULT_STRIDE  equ 0x40

LAPIC           equ 0xfee00000
LAPIC_ID        equ 0x20
LAPIC_SVR       equ 0xf0
LAPIC_LVT_LINT1 equ 0x360
LAPIC_ICR_LO    equ 0x300
LAPIC_ICR_HI    equ 0x310

FW_CFG_SEL      equ 0x510
FW_CFG_DATA     equ 0x511
FW_CFG_FILE_DIR equ 0x19
COM1            equ 0x3f8

; turns on 4-level paging with the tables at [page_tables] and EFER.LME: with the
; 32-bit code segment still loaded the CPU runs on in compatibility mode, so all
; code stays 32-bit. (Some nested KVMs refuse legacy 32-bit and PAE paging but run
; 4-level paging.) Clobbers eax, ecx, edx. A macro, not a call: APs arrive without a stack.
%macro ENABLE_PAGING 0
        mov eax, [page_tables]
        mov cr3, eax
        mov eax, cr4
        or eax, 0x20                    ; PAE
        mov cr4, eax
        mov ecx, EFER
        rdmsr
        or eax, 0x100                   ; LME
        wrmsr
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
%endmacro

        org IMAGE_BASE
        section .text

mb_header:
        dd 0x1badb002
        dd 0x00010000
        dd -(0x1badb002 + 0x00010000)
        dd mb_header                    ; header_addr
        dd IMAGE_BASE                   ; load_addr
        dd 0                            ; load_end_addr: whole file
        dd 0                            ; bss_end_addr: none
        dd start                        ; entry_addr

start:
        cli
        mov esp, BSP_STACK_TOP
        lgdt [gdt_desc_image]
        jmp 0x08:.reload
.reload:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax

        call read_config
        call setup_writes
        test dword [cfg_raw + CFG_FLAGS], FLAG_WEEDS
        jz .no_weeds
        call install_weeds_idt
.no_weeds:
        call paging_wanted
        jz .flat
        call build_page_tables
        call install_fault_idt
        ENABLE_PAGING
        cmp dword [cfg_raw + CFG_CODE_HI], 0
        je .flat
        ; the loops run in a window mapped onto the code's 2 MiB page and the next
        mov eax, [cfg_code]
        and eax, 0x1fffff
        add eax, CODE_WINDOW
        mov [cfg_code], eax
.flat:

        ; mailbox: clear, then describe the run
        mov edi, MAILBOX
        mov ecx, 1024
        xor eax, eax
        rep stosd
        mov dword [MAILBOX + MB_VERSION], 1
        mov dword [MAILBOX + MB_ONLINE], 1
        mov eax, [cfg_ncpus]
        mov [MAILBOX + MB_NCPUS], eax
        mov eax, [cfg_code]
        mov [MAILBOX + MB_CODE_ADDR], eax
        mov eax, [cfg_stride]
        mov [MAILBOX + MB_CODE_STRIDE], eax
        mov edi, STALLS
        mov ecx, MAX_CPUS * STALL_RECORD / 4
        xor eax, eax
        rep stosd

        ; one copy of the loop per vCPU at code + i*stride
        xor edx, edx
.copy_loops:
        cmp edx, [cfg_ncpus]
        jae .copied
        mov edi, edx
        imul edi, [cfg_stride]
        add edi, [cfg_code]
        mov esi, loop_template
        mov ecx, loop_template_end - loop_template
        test dword [cfg_raw + CFG_FLAGS], FLAG_STALLS
        jz .plain
        mov esi, stall_loop_template
        mov ecx, stall_loop_template_end - stall_loop_template
.plain:
        rep movsb
        inc edx
        jmp .copy_loops
.copied:
        ; AP trampoline below 1 MiB
        mov esi, section.tramp.start
        mov edi, TRAMPOLINE
        mov ecx, tramp_end - tramp_start
        rep movsb

        cmp dword [cfg_ncpus], 1
        jbe .all_up

        ; enable the local APIC, then INIT, SIPI, SIPI to all but self
        or dword [LAPIC + LAPIC_SVR], 0x1ff
        mov dword [LAPIC + LAPIC_ICR_HI], 0
        mov dword [LAPIC + LAPIC_ICR_LO], 0x000c4500
        mov ecx, 10000                  ; 10 ms after INIT
        call delay
        mov dword [LAPIC + LAPIC_ICR_LO], 0x000c4600 | (TRAMPOLINE >> 12)
        mov ecx, 200                    ; 200 us between the SIPIs
        call delay
        mov dword [LAPIC + LAPIC_ICR_LO], 0x000c4600 | (TRAMPOLINE >> 12)

        ; wait for every AP, bounded
        mov ecx, 2000000
.wait_aps:
        mov eax, [MAILBOX + MB_ONLINE]
        cmp eax, [cfg_ncpus]
        jae .all_up
        out 0x80, al
        loop .wait_aps
        mov esi, msg_missing
        call puts
        mov eax, [MAILBOX + MB_ONLINE]
        call puthex
        mov esi, msg_of
        call puts
        mov eax, [cfg_ncpus]
        call puthex
        mov esi, msg_nl
        call puts
.dead:
        hlt
        jmp .dead

.all_up:
        mov dword [MAILBOX + MB_MAGIC], MAILBOX_MAGIC
        mov esi, msg_banner1
        call puts
        mov eax, [cfg_ncpus]
        call puthex
        mov esi, msg_banner2
        call puts
        mov eax, [cfg_code]
        call puthex
        mov esi, msg_banner3
        call puts
        mov eax, [cfg_stride]
        call puthex
        mov esi, msg_nl
        call puts
        mov eax, [LAPIC + LAPIC_ID]
        shr eax, 24
        test dword [cfg_raw + CFG_FLAGS], FLAG_PAM_GUEST
        jz enter_loop
        test eax, eax
        jz pam_mutator
        jmp enter_loop

; eax = vCPU index (its APIC ID, which QEMU numbers like its CPU indexes)
enter_loop:
        lea ebx, [MAILBOX + MB_COUNTERS + eax*8]
        mov edi, eax
        shl edi, 8                      ; STALL_RECORD
        add edi, STALLS
        imul eax, [cfg_stride]
        add eax, [cfg_code]
        jmp eax

ap_entry32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        cmp dword [cfg_raw + CFG_CODE_HI], 0       ; paging_wanted, inline: no stack yet
        jne .paging
        test dword [cfg_raw + CFG_FLAGS], FLAG_PAGING
        jz .flat
.paging:
        ENABLE_PAGING
.flat:
        mov eax, [LAPIC + LAPIC_ID]
        shr eax, 24
        mov esp, eax
        inc esp
        shl esp, 8
        add esp, AP_STACKS
        test dword [cfg_raw + CFG_FLAGS], FLAG_WEEDS
        jz .no_idt
        lidt [fault_idt_desc]
        call accept_nmi
.no_idt:
        lock inc dword [MAILBOX + MB_ONLINE]
        mov eax, [LAPIC + LAPIC_ID]
        shr eax, 24
        cmp eax, [cfg_ncpus]
        jae .park
        jmp enter_loop
.park:
        cli
        hlt
        jmp .park

; vCPU 0 in pam-guest mode: flip the PAM register between two values through the
; PCI config ports, timing each data write with rdtsc, until the toggle limit
; (0: none), then spin like the others. Each toggle also advances its counter.
pam_mutator:
        movzx eax, byte [cfg_raw + CFG_PAM_REG]
        and eax, 0xfc
        or eax, 0x80000000
        mov [pam_address], eax
        movzx eax, byte [cfg_raw + CFG_PAM_REG]
        and eax, 3
        add eax, 0xcfc
        mov [pam_port], eax
.toggle:
        mov eax, [cfg_raw + CFG_TOGGLES]
        test eax, eax
        jz .go
        cmp dword [MAILBOX + MB_TOGGLES + 4], 0
        jne .finished
        cmp [MAILBOX + MB_TOGGLES], eax
        jae .finished
.go:
        mov eax, [pam_address]
        mov dx, 0xcf8
        out dx, eax
        mov bl, [cfg_raw + CFG_PAM_A]
        test dword [MAILBOX + MB_TOGGLES], 1
        jz .value
        mov bl, [cfg_raw + CFG_PAM_B]
.value:
        rdtsc
        mov esi, eax
        mov edi, edx
        mov edx, [pam_port]
        mov al, bl
        out dx, al
        rdtsc
        mov [MAILBOX + MB_LAST_TSC], eax
        mov [MAILBOX + MB_LAST_TSC + 4], edx
        sub eax, esi
        sbb edx, edi
        add [MAILBOX + MB_CYCLES], eax
        adc [MAILBOX + MB_CYCLES + 4], edx
        test edx, edx
        jnz .new_max
        cmp dword [MAILBOX + MB_MAX_CYCLES + 4], 0
        jne .counted
        cmp eax, [MAILBOX + MB_MAX_CYCLES]
        jbe .counted
.new_max:
        mov [MAILBOX + MB_MAX_CYCLES], eax
        mov [MAILBOX + MB_MAX_CYCLES + 4], edx
.counted:
        add dword [MAILBOX + MB_TOGGLES], 1
        adc dword [MAILBOX + MB_TOGGLES + 4], 0
        add dword [MAILBOX + MB_COUNTERS], 1
        adc dword [MAILBOX + MB_COUNTERS + 4], 0
        jmp .toggle
.finished:
        mov dword [MAILBOX + MB_MUTATOR_DONE], 1
        xor eax, eax
        jmp enter_loop

; position independent: copied to code + i*stride; ebx = this vCPU's counter
loop_template:
.spin:
        add dword [ebx], 1
        adc dword [ebx + 4], 0
        jmp short .spin
loop_template_end:

; with FLAG_STALLS instead: the same, and edi = this vCPU's stall record. Each iteration counts, then files the TSC cycles since
; the previous one under bucket floor(log2(gap)) (gaps of 2^32 cycles or more in
; bucket 31) and leaves its TSC for the orchestrator's calibration. esi:ebp holds
; the previous TSC; flags from the sbb survive the movs up to the jz.
stall_loop_template:
        rdtsc
        mov esi, eax
        mov ebp, edx
.spin:
        add dword [ebx], 1
        adc dword [ebx + 4], 0
        rdtsc
        mov ecx, eax
        sub ecx, esi
        mov esi, eax
        mov eax, edx
        sbb eax, ebp
        mov ebp, edx
        mov [edi], esi
        mov [edi + 4], ebp
        jz .fits
        or ecx, -1
.fits:
        bsr eax, ecx
        jz .spin
        inc dword [edi + STALL_HIST + eax*4]
        jmp short .spin
stall_loop_template_end:

; writes the configured (register, value) pairs to the host bridge (00:00.0),
; e.g. PAM registers that make shadow RAM writable before code is copied there
setup_writes:
        pushad
        mov esi, cfg_raw + CFG_SETUP
        mov ecx, 8
.pair:
        movzx eax, byte [esi]
        test eax, eax
        jz .done
        mov ebx, eax
        and eax, 0xfc
        or eax, 0x80000000
        mov dx, 0xcf8
        out dx, eax
        and ebx, 3
        lea edx, [ebx + 0xcfc]
        mov al, [esi + 1]
        out dx, al
        add esi, 2
        loop .pair
.done:
        popad
        ret

; ZF clear when the vCPUs run with paging: code above 4 GiB, or FLAG_PAGING
; (page tables in a range the mutator reshapes). Clobbers nothing else.
paging_wanted:
        cmp dword [cfg_raw + CFG_CODE_HI], 0
        jne .yes
        test dword [cfg_raw + CFG_FLAGS], FLAG_PAGING
.yes:
        ret

; 4-level tables at [page_tables]: the low 4 GiB identity-mapped with 2 MiB pages
; (accessed and dirty already set, so the walker never writes them), except, for
; code above 4 GiB, the 4 MiB at CODE_WINDOW, which map the configured (64-bit)
; code address's 2 MiB page and the next
build_page_tables:
        pushad
        mov esi, [page_tables]
        mov edi, esi
        mov ecx, 0x6000 / 4
        xor eax, eax
        rep stosd
        lea eax, [esi + 0x1000 + 0x23]  ; present, writable, accessed
        mov [esi], eax
        xor ecx, ecx
.pdpte:
        mov eax, ecx
        shl eax, 12
        lea eax, [esi + eax + PAGE_DIRS + 0x23]
        mov [esi + 0x1000 + ecx*8], eax
        inc ecx
        cmp ecx, 4
        jb .pdpte
        xor ecx, ecx
.pde:
        mov eax, ecx
        shl eax, 21
        or eax, 0xe3                    ; present, writable, accessed, dirty, 2 MiB
        mov [esi + PAGE_DIRS + ecx*8], eax
        mov eax, ecx
        shr eax, 11
        mov [esi + PAGE_DIRS + ecx*8 + 4], eax
        inc ecx
        cmp ecx, 2048
        jb .pde
        cmp dword [cfg_raw + CFG_CODE_HI], 0
        je .done
        mov eax, [cfg_code]
        and eax, 0xffe00000
        or eax, 0xe3
        mov edx, [cfg_raw + CFG_CODE_HI]
        lea ebx, [esi + PAGE_DIRS + (CODE_WINDOW >> 21) * 8]
        mov [ebx], eax
        mov [ebx + 4], edx
        add eax, 0x200000
        adc edx, 0
        mov [ebx + 8], eax
        mov [ebx + 12], edx
.done:
        popad
        ret

; A host whose KVM refuses guest paging raises #GP when CR0.PG is set. An IDT whose
; 32 exception gates all report that on COM1 turns a silent triple fault into a
; message. (Legacy gates: the fault comes before IA-32e mode is active.)
install_fault_idt:
        pushad
        mov edi, fault_idt
        mov ecx, 32
.gate:
        mov eax, paging_fault
        call set_gate
        loop .gate
        lidt [fault_idt_desc]
        popad
        ret

; writes a present, DPL 0, 32-bit interrupt gate to eax (code segment 0x08) at edi; edi += 8
set_gate:
        push eax
        mov [edi], ax
        mov word [edi + 2], 0x08
        mov word [edi + 4], 0x8e00
        shr eax, 16
        mov [edi + 6], ax
        add edi, 8
        pop eax
        ret

paging_fault:
        mov esi, msg_no_paging
        call puts
.stop:
        cli
        hlt
        jmp .stop

; weeds mode: every vCPU takes NMIs (QEMU's inject-nmi reaches them all) through
; this IDT; the configured vCPU then jumps to the configured address, the others
; return to their loops. Any other exception is reported on COM1.
install_weeds_idt:
        pushad
        mov edi, fault_idt
        xor ecx, ecx
.gate:
        mov eax, unexpected_fault
        cmp ecx, 2
        jne .set
        mov eax, weeds_nmi
.set:
        call set_gate
        inc ecx
        cmp ecx, 32
        jb .gate
        lidt [fault_idt_desc]
        call accept_nmi
        popad
        ret

; QEMU's inject-nmi raises LINT1 of every local APIC; it reaches the CPU only where
; the APIC is enabled and LINT1 is unmasked in NMI mode (after INIT an AP's is not)
accept_nmi:
        or dword [LAPIC + LAPIC_SVR], 0x100
        mov dword [LAPIC + LAPIC_LVT_LINT1], 0x400
        ret

; The others go back to their loops without IRET (some hosts' KVM cannot emulate a
; protected-mode IRET): their NMIs then stay blocked, and one NMI is all weeds sends.
weeds_nmi:
        add esp, 12                     ; the interrupt frame: EIP, CS, EFLAGS
        mov eax, [LAPIC + LAPIC_ID]
        shr eax, 24
        cmp eax, [cfg_raw + CFG_WEEDS_CPU]
        jne enter_loop
        mov dword [MAILBOX + MB_WEEDS_JUMPED], 1
        jmp dword [cfg_raw + CFG_WEEDS_ADDR]

unexpected_fault:
        mov esi, msg_fault
        call puts
.stop:
        cli
        hlt
        jmp .stop

; waits at least ecx microseconds for any TSC up to 5 GHz, without VM exits
; (port writes as a clock cost a VM exit each: seconds on a nested host)
delay:
        push eax
        push ebx
        push edx
        push esi
        mov eax, ecx
        mov ebx, 5000
        mul ebx
        mov esi, eax
        mov ebx, edx
        rdtsc
        add esi, eax
        adc ebx, edx
.spin:
        pause
        rdtsc
        cmp edx, ebx
        jb .spin
        ja .done
        cmp eax, esi
        jb .spin
.done:
        pop esi
        pop edx
        pop ebx
        pop eax
        ret

; fills cfg_* from fw_cfg file opt/slotlab/spin when present
read_config:
        pushad
        mov ax, FW_CFG_FILE_DIR
        mov dx, FW_CFG_SEL
        out dx, ax
        call fw_read_be32
        mov ebp, eax                    ; file count
.next_file:
        test ebp, ebp
        jz .done
        dec ebp
        mov edi, fw_entry
        mov ecx, 64
        mov dx, FW_CFG_DATA
.read_entry:
        in al, dx
        stosb
        loop .read_entry
        mov esi, fw_entry + 8
        mov edi, config_name
        mov ecx, config_name_end - config_name
        repe cmpsb
        jne .next_file
        ; found: select it and read up to cfg_size bytes
        movzx eax, word [fw_entry + 4]
        xchg al, ah
        mov dx, FW_CFG_SEL
        out dx, ax
        mov ecx, [fw_entry]
        bswap ecx
        cmp ecx, cfg_end - cfg_raw
        jbe .size_ok
        mov ecx, cfg_end - cfg_raw
.size_ok:
        mov edi, cfg_raw
        mov dx, FW_CFG_DATA
.read_cfg:
        jecxz .check
        in al, dx
        stosb
        dec ecx
        jmp .read_cfg
.check:
        cmp dword [cfg_raw], CONFIG_MAGIC
        jne .done
        mov eax, [cfg_raw + 8]
        test eax, eax
        jz .no_cpus
        cmp eax, MAX_CPUS
        jbe .cpus_ok
        mov eax, MAX_CPUS
.cpus_ok:
        mov [cfg_ncpus], eax
.no_cpus:
        mov eax, [cfg_raw + 12]
        test eax, eax
        jz .no_code
        mov [cfg_code], eax
.no_code:
        mov eax, [cfg_raw + 16]
        test eax, eax
        jz .no_stride
        mov [cfg_stride], eax
.no_stride:
        test dword [cfg_raw + CFG_FLAGS], FLAG_PAGING
        jz .done
        mov eax, [cfg_raw + CFG_PAGE_TABLES]
        mov [page_tables], eax
.done:
        popad
        ret

fw_read_be32:
        push edx
        mov dx, FW_CFG_DATA
        xor eax, eax
        mov ecx, 4
.byte:
        shl eax, 8
        in al, dx
        loop .byte
        pop edx
        ret

; esi = NUL-terminated string
puts:
        push eax
        push edx
.ch:
        lodsb
        test al, al
        jz .end
        call putc
        jmp .ch
.end:
        pop edx
        pop eax
        ret

putc:
        push eax
        mov ah, al
        mov dx, COM1 + 5
.busy:
        in al, dx
        test al, 0x20
        jz .busy
        mov al, ah
        mov dx, COM1
        out dx, al
        pop eax
        ret

; eax as 0x%08x
puthex:
        pushad
        mov ebx, eax
        mov al, '0'
        call putc
        mov al, 'x'
        call putc
        mov ecx, 8
.digit:
        rol ebx, 4
        mov al, bl
        and al, 0x0f
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'a' - '9' - 1
.out:
        call putc
        loop .digit
        popad
        ret

        align 8
gdt_desc_image:
        dw gdt_end - gdt - 1
        dd gdt
        align 8
gdt:
        dq 0
        dq 0x00cf9a000000ffff
        dq 0x00cf92000000ffff
gdt_end:

config_name:    db "opt/slotlab/spin", 0
config_name_end:
msg_banner1:    db "slotlab spin: ", 0
msg_banner2:    db " vCPUs running at ", 0
msg_banner3:    db " stride ", 0
msg_missing:    db "slotlab spin: vCPUs missing: online ", 0
msg_of:         db " of ", 0
msg_nl:         db 13, 10, 0
msg_fault:      db "slotlab spin: unexpected exception", 13, 10, 0
msg_no_paging:  db "slotlab spin: paging unavailable: this host's KVM refused it", 13, 10, 0

        align 4
        align 8
fault_idt_desc:
        dw 32 * 8 - 1
        dd fault_idt
        align 8
fault_idt:      times 32 * 8 db 0
cfg_raw:        times 64 db 0
cfg_end:
cfg_ncpus:      dd 1
cfg_code:       dd DEFAULT_CODE
cfg_stride:     dd DEFAULT_STRIDE
page_tables:    dd PAGE_TABLES
fw_entry:       times 64 db 0
pam_address:    dd 0
pam_port:       dd 0

; real-mode AP entry, copied to TRAMPOLINE; its labels are addresses there
        section tramp vstart=TRAMPOLINE follows=.text
tramp_start:
bits 16
        cli
        xor ax, ax
        mov ds, ax
        o32 lgdt [tramp_gdt_desc]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword 0x08:ap_entry32
        align 8
tramp_gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt
tramp_end:
